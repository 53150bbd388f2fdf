import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { listenLoopback } from './loopback-http.js';

/*
 * A local XAPI stand-in: no XAPI runs here. It speaks XAPI's JSON-RPC wire
 * protocol as xapi-project/xen-api doc/content/xen-api/wire-protocol.md
 * describes it (one POST of a JSON-RPC 2.0 request to /jsonrpc per call,
 * session refs as the first parameter), over HTTP or over HTTPS with a test
 * certificate (a pool master's default certificate is self-signed), and
 * answers each call with what `answer` returns: records shaped from the XAPI
 * datamodel in protocols/xapi/fixtures (their SOURCES.md says which are
 * verbatim and which were written).
 */

export interface XapiCall {
  method: string;
  params: unknown[];
  id: number;
}

export interface XapiTestServer {
  /** The JSON-RPC endpoint, as an inventory's haManager.url names it. */
  url: string;
  calls: XapiCall[];
  close(): Promise<void>;
}

const fixture = (name: string) =>
  readFileSync(new URL(`../../protocols/xapi/fixtures/${name}`, import.meta.url), 'utf8');
export const xapiRecords = (name: string) => JSON.parse(fixture(name)) as unknown;
export const xapiFixture = fixture;

export const XAPI_SESSION = 'OpaqueRef:c90cd28f-37ec-4dbf-88e6-f697ccb28b39';
const ok = (id: number, result: unknown) => ({ jsonrpc: '2.0', result, id });

/** A healthy pool: login, the recorded pool / host / host_metrics records, logout. */
export function healthyXapiAnswers(call: XapiCall): unknown {
  switch (call.method) {
    case 'session.login_with_password':
      return ok(call.id, XAPI_SESSION);
    case 'pool.get_all_records':
      return ok(call.id, xapiRecords('datamodel-pool.json'));
    case 'host.get_all_records':
      return ok(call.id, xapiRecords('datamodel-host.json'));
    case 'host_metrics.get_all_records':
      return ok(call.id, xapiRecords('datamodel-host_metrics.json'));
    case 'session.logout':
      return ok(call.id, '');
    default:
      return {
        jsonrpc: '2.0',
        error: { code: 1, message: 'MESSAGE_METHOD_UNKNOWN', data: [call.method] },
        id: call.id,
      };
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `answer` returns (or resolves to) a JSON-RPC response (object or raw text), or 'hang' to never answer. */
export async function startXapiServer(
  answer: (call: XapiCall) => unknown = healthyXapiAnswers,
  tls?: { key: string; cert: string },
): Promise<XapiTestServer> {
  const calls: XapiCall[] = [];
  const listener = await listenLoopback(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/jsonrpc') {
      res.statusCode = 404;
      res.end();
      return;
    }
    const call = JSON.parse(await readBody(req)) as XapiCall;
    calls.push(call);
    const body = await answer(call);
    if (body === 'hang') return; // never answers; the client's deadline must end it
    res.setHeader('content-type', 'application/json');
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }, tls);
  return { url: `${listener.url}/jsonrpc`, calls, close: () => listener.close() };
}

/*
 * event.from, built from XAPI's published API: the datamodel's class event
 * (xapi-project/xen-api; its generated SDKs, e.g. the Go SDK's event.go:
 * event.from(session, classes, token, timeout) -> event_batch {events,
 * valid_ref_counts, token}, error EVENTS_LOST), the event record fields (id,
 * timestamp, class, operation add|mod|del, ref, snapshot) and lower-case
 * class names as doc/content/toolstack/features/events/index.md shows them,
 * and the token as xapi prints it (ocaml/xapi/xapi_event.ml: generation and
 * message generation, "%020Ld,%020Ld"). The empty token returns every object
 * of the classes; a call with nothing new waits up to `timeout` seconds and
 * returns an empty batch. No XAPI runs here.
 */

interface PoolObject {
  class: string;
  record: Record<string, unknown>;
  created: number;
  changed: number;
  deleted: boolean;
}

const tokenOf = (gen: number) => `${String(gen).padStart(20, '0')},${'0'.padStart(20, '0')}`;

/** An in-memory XAPI database whose changes event.from reports. */
export class XapiEventPool {
  private gen = 0;
  private nextId = 1;
  private readonly objects = new Map<string, PoolObject>();
  private wake: (() => void)[] = [];
  /** Tokens older than this generation fail with EVENTS_LOST (XAPI keeps a bounded history). */
  oldestToken = 0;

  /** The generation of the last change: the token event.from returns now. */
  get generation(): number {
    return this.gen;
  }

  add(cls: string, ref: string, record: Record<string, unknown>): void {
    this.gen++;
    this.objects.set(ref, {
      class: cls.toLowerCase(),
      record,
      created: this.gen,
      changed: this.gen,
      deleted: false,
    });
    this.notify();
  }

  mod(ref: string, fields: Record<string, unknown>): void {
    const o = this.objects.get(ref);
    if (!o || o.deleted) throw new Error(`test pool has no object ${ref}`);
    this.gen++;
    o.record = { ...o.record, ...fields };
    o.changed = this.gen;
    this.notify();
  }

  del(ref: string): void {
    const o = this.objects.get(ref);
    if (!o) throw new Error(`test pool has no object ${ref}`);
    this.gen++;
    o.deleted = true;
    o.changed = this.gen;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = [];
    for (const f of w) f();
  }

  private batch(classes: readonly string[], since: number) {
    const wanted = new Set(classes.map((c) => c.toLowerCase()));
    const events = [...this.objects.entries()]
      .filter(([, o]) => wanted.has(o.class) && o.changed > since && !(o.deleted && o.created > since))
      .sort(([, a], [, b]) => a.changed - b.changed)
      .map(([ref, o]) => ({
        id: this.nextId++,
        timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        class: o.class,
        operation: o.deleted ? 'del' : o.created > since ? 'add' : 'mod',
        ref,
        ...(o.deleted ? {} : { snapshot: o.record }),
      }));
    const counts: Record<string, number> = {};
    for (const o of this.objects.values()) if (!o.deleted) counts[o.class] = (counts[o.class] ?? 0) + 1;
    return { events, valid_ref_counts: counts, token: tokenOf(this.gen) };
  }

  /** The JSON-RPC answer to event.from(session, classes, token, timeout). */
  async from(call: XapiCall): Promise<unknown> {
    const [, classes, token, timeout] = call.params as [string, string[], string, number];
    const since = token === '' ? 0 : Number(token.split(',')[0]);
    if (!Number.isInteger(since)) {
      return {
        jsonrpc: '2.0',
        error: { code: 1, message: 'EVENT_FROM_TOKEN_PARSE_FAILURE', data: [token] },
        id: call.id,
      };
    }
    const lost = () => token !== '' && since < this.oldestToken;
    const eventsLost = { jsonrpc: '2.0', error: { code: 1, message: 'EVENTS_LOST', data: [] }, id: call.id };
    if (lost()) return eventsLost;
    let b = this.batch(classes, since);
    if (b.events.length === 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeout * 1000);
        this.wake.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      // The history may have been cut while the call waited.
      if (lost()) return eventsLost;
      b = this.batch(classes, since);
    }
    return ok(call.id, b);
  }
}

/** Answers of a pool whose events come from `pool`, and login/logout like healthyXapiAnswers. */
export function eventXapiAnswers(pool: XapiEventPool): (call: XapiCall) => unknown {
  return (call) => (call.method === 'event.from' ? pool.from(call) : healthyXapiAnswers(call));
}
