import { HavocError } from '../../core/errors.js';
import { attr, children, optAttr, parsePacemakerResult, type XmlElement } from './xmlResult.js';

export const FENCE_EVENT_STATUSES = ['success', 'failed', 'pending'] as const;
export type FenceEventStatus = (typeof FENCE_EVENT_STATUSES)[number];

/** One <fence_event> (Pacemaker xml/api/fence-event-2.15.rng). */
export interface FenceEvent {
  target: string;
  action: string;
  status: FenceEventStatus;
  extendedStatus: string | undefined;
  exitReason: string | undefined;
  delegate: string | undefined;
  client: string;
  origin: string;
  /** As printed, e.g. "2026-10-05 12:02:42.088147Z"; absent while pending. */
  completed: string | undefined;
}

export function parseFenceEvent(el: XmlElement): FenceEvent {
  const status = attr(el, 'status', 'fence_event');
  const known = FENCE_EVENT_STATUSES.find((s) => s === status);
  if (!known) {
    throw new HavocError(
      'pacemaker-parse',
      `<fence_event> status="${status}": expected ${FENCE_EVENT_STATUSES.join(', ')}`,
    );
  }
  return {
    target: attr(el, 'target', 'fence_event'),
    action: attr(el, 'action', 'fence_event'),
    status: known,
    extendedStatus: optAttr(el, 'extended-status'),
    exitReason: optAttr(el, 'exit-reason'),
    delegate: optAttr(el, 'delegate'),
    client: attr(el, 'client', 'fence_event'),
    origin: attr(el, 'origin', 'fence_event'),
    completed: optAttr(el, 'completed'),
  };
}

/** Parses `stonith_admin --history '*' --output-as=xml`. */
export function parseStonithHistory(xml: string): FenceEvent[] {
  const result = parsePacemakerResult(xml, 'stonith_admin --history');
  const list = children(result, 'list').find((l) => l['@name'] === 'fencing history');
  if (!list) {
    throw new HavocError(
      'pacemaker-parse',
      'stonith_admin --history: expected <list name="fencing history">',
    );
  }
  return children(list, 'fence_event').map(parseFenceEvent);
}
