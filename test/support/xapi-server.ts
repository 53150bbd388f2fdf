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

/** `answer` returns a JSON-RPC response (object or raw text), or 'hang' to never answer. */
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
    const body = answer(call);
    if (body === 'hang') return; // never answers; the client's deadline must end it
    res.setHeader('content-type', 'application/json');
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }, tls);
  return { url: `${listener.url}/jsonrpc`, calls, close: () => listener.close() };
}
