import { HavocError } from '../../core/errors.js';

/*
 * event.from, XAPI's long poll (xen-api datamodel, class event: "Blocking
 * call which returns a new token and a (possibly empty) batch of events. The
 * returned token can be used in subsequent calls"): event.from(session,
 * classes, token, timeout) -> event_batch {events, valid_ref_counts, token}.
 * Each event record has id, timestamp, class (lower case: "vm", "host"),
 * operation ("add", "mod", "del"), ref and snapshot (the object's record;
 * absent for "del"). The empty token returns every object of the classes,
 * so a watcher starts from the whole state and then follows its changes.
 * Fails with EVENTS_LOST when the token is too old: start again from "".
 */

export const XAPI_EVENT_OPERATIONS = ['add', 'mod', 'del'] as const;

export interface XapiEvent {
  class: string;
  operation: (typeof XAPI_EVENT_OPERATIONS)[number];
  ref: string;
  /** The object's record after the change; undefined for "del". */
  snapshot: Record<string, unknown> | undefined;
}

export interface XapiEventBatch {
  token: string;
  events: XapiEvent[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(what: string): never {
  throw new HavocError('xapi-protocol', `XAPI event.from: ${what}`);
}

/** The result of event.from. */
export function parseEventBatch(result: unknown): XapiEventBatch {
  if (!isObject(result)) bad('expected an event_batch object');
  const { token, events } = result;
  if (typeof token !== 'string') bad('event_batch has no string "token"');
  if (!Array.isArray(events)) bad('event_batch has no "events" array');
  return {
    token,
    events: events.map((e, i) => {
      if (!isObject(e)) bad(`events[${i}] is not an object`);
      const op = XAPI_EVENT_OPERATIONS.find((o) => o === e['operation']);
      if (!op) bad(`events[${i}].operation ${JSON.stringify(e['operation'])}: expected add, mod or del`);
      if (typeof e['class'] !== 'string') bad(`events[${i}] has no string "class"`);
      if (typeof e['ref'] !== 'string') bad(`events[${i}] has no string "ref"`);
      const snapshot = e['snapshot'];
      if (op !== 'del' && !isObject(snapshot))
        bad(`events[${i}] (${op} ${e['class']}) has no snapshot record`);
      return {
        class: e['class'].toLowerCase(),
        operation: op,
        ref: e['ref'],
        snapshot: isObject(snapshot) ? snapshot : undefined,
      };
    }),
  };
}

/** One field of a snapshot, of the type the datamodel gives it, or a clear error naming the object. */
export function snapshotField<T extends 'string' | 'boolean'>(
  ev: XapiEvent,
  name: string,
  type: T,
): T extends 'string' ? string : boolean {
  const v = ev.snapshot?.[name];
  if (typeof v !== type) {
    throw new HavocError(
      'xapi-protocol',
      `XAPI event.from: ${ev.class} ${ev.ref} field "${name}": expected a ${type}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T extends 'string' ? string : boolean;
}
