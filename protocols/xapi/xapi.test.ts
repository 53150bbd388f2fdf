import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, TimeoutError } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import { parseJsonRpcResponse, parsePoolRecords, readPoolHa, XapiError } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const records = (name: string) => JSON.parse(fixture(name)) as unknown;

interface Call {
  method: string;
  params: unknown[];
  id: number;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A local XAPI stand-in that answers each method with a recorded body. */
async function replay(answer: (call: Call) => unknown | 'hang'): Promise<{ url: string; calls: Call[] }> {
  const calls: Call[] = [];
  const server = createServer(async (req, res) => {
    const call = JSON.parse(await readBody(req)) as Call;
    calls.push(call);
    const body = answer(call);
    if (body === 'hang') return; // never answers; the client's deadline must end it
    res.setHeader('content-type', 'application/json');
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/jsonrpc`, calls };
}

const ok = (id: number, result: unknown) => ({ jsonrpc: '2.0', result, id });
const session = 'OpaqueRef:c90cd28f-37ec-4dbf-88e6-f697ccb28b39';

function healthyAnswers(call: Call): unknown {
  switch (call.method) {
    case 'session.login_with_password':
      return ok(call.id, session);
    case 'pool.get_all_records':
      return ok(call.id, records('datamodel-pool.json'));
    case 'host.get_all_records':
      return ok(call.id, records('datamodel-host.json'));
    case 'host_metrics.get_all_records':
      return ok(call.id, records('datamodel-host_metrics.json'));
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

describe('parseJsonRpcResponse (xapi-project/xen-api doc/content/xen-api/wire-protocol.md examples)', () => {
  it('returns result of a v2.0 success response', () => {
    expect(parseJsonRpcResponse(fixture('wire-protocol-result.json'), 'host.get_resident_VMs')).toEqual([
      'OpaqueRef:604f51e7-630f-4412-83fa-b11c6cf008ab',
      'OpaqueRef:670d08f5-cbeb-4336-8420-ccd56390a65f',
    ]);
  });

  it('throws XapiError SESSION_INVALID for the v2.0 error, and MAP_DUPLICATE_KEY for the v1.0 error', () => {
    const err = (() => {
      try {
        parseJsonRpcResponse(fixture('wire-protocol-session-invalid.json'), 'host.get_resident_VMs');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(XapiError);
    expect((err as XapiError).xapiCode).toBe('SESSION_INVALID');
    expect((err as XapiError).params).toEqual(['OpaqueRef:c90cd28f-37ec-4dbf-88e6-f697ccb28b39']);
    expect(() =>
      parseJsonRpcResponse(fixture('wire-protocol-error-v1.json'), 'VM.add_to_other_config'),
    ).toThrow(
      /XAPI VM.add_to_other_config failed: MAP_DUPLICATE_KEY Customer eSpiel Inc\. eSpiel Incorporated/,
    );
  });

  it('names the method when the body is the HTML 500 page, not JSON', () => {
    expect(() =>
      parseJsonRpcResponse(
        '<html><body><h1>HTTP 500 internal server error</h1>',
        'session.login_with_password',
      ),
    ).toThrow(/XAPI session.login_with_password: response is not JSON/);
  });
});

describe('parsePoolRecords (records shaped from the xen-api datamodel doc/data/xenapi.json, not captured)', () => {
  it('reads the HA fields and accepts XML-RPC style integer strings', () => {
    const pool = parsePoolRecords(records('datamodel-pool.json'));
    expect(pool).toMatchObject({
      haEnabled: true,
      hostFailuresToTolerate: 1,
      planExistsFor: 0,
      overcommitted: true,
    });
    const asStrings = JSON.parse(
      fixture('datamodel-pool.json').replace('"ha_plan_exists_for": 0', '"ha_plan_exists_for": "0"'),
    );
    expect(parsePoolRecords(asStrings).planExistsFor).toBe(0);
    const broken = JSON.parse(fixture('datamodel-pool.json').replace('"ha_enabled": true,', ''));
    expect(() => parsePoolRecords(broken)).toThrow(/record has no field "ha_enabled"/);
  });
});

describe('readPoolHa against a local replay server (wire format per wire-protocol.md; records per xenapi.json)', () => {
  it('logs in, reads pool HA and host liveness, and logs out; the session reference is a secret while it lives', async () => {
    const redactor = new Redactor();
    let duringRead = '';
    const srv = await replay((call) => {
      if (call.method === 'pool.get_all_records') duringRead = redactor.redact(`session ${session}`);
      return healthyAnswers(call);
    });
    const snap = await readPoolHa(
      { url: srv.url, username: 'root', password: 'secret-pw' },
      { signal: AbortSignal.timeout(10_000), timeoutMs: 5_000, redactor },
    );
    expect(duringRead).toBe('session [redacted]');
    // Logged out, the reference logs nobody in: forgotten.
    expect(redactor.size).toBe(0);
    expect(snap.pool).toMatchObject({
      haEnabled: true,
      hostFailuresToTolerate: 1,
      planExistsFor: 0,
      overcommitted: true,
    });
    expect(snap.hosts.map((h) => [h.nameLabel, h.live, h.isMaster])).toEqual([
      ['xen1', true, true],
      ['xen2', false, false],
    ]);
    expect(srv.calls.map((c) => c.method)).toEqual([
      'session.login_with_password',
      'pool.get_all_records',
      'host.get_all_records',
      'host_metrics.get_all_records',
      'session.logout',
    ]);
    expect(srv.calls[0]?.params).toEqual(['root', 'secret-pw', '1.0', 'havoc']);
    expect(srv.calls.slice(1).every((c) => c.params[0] === session)).toBe(true);
  });

  it('still logs out when a call fails with SESSION_INVALID', async () => {
    const invalid = JSON.parse(fixture('wire-protocol-session-invalid.json')) as object;
    const srv = await replay((call) =>
      call.method === 'host.get_all_records' ? invalid : healthyAnswers(call),
    );
    await expect(
      readPoolHa(
        { url: srv.url, username: 'root', password: 'pw' },
        { signal: AbortSignal.timeout(10_000), timeoutMs: 5_000, redactor: new Redactor() },
      ),
    ).rejects.toThrow(/SESSION_INVALID/);
    expect(srv.calls.at(-1)?.method).toBe('session.logout');
  });

  it('turns SESSION_AUTHENTICATION_FAILED into an AuthError without the password', async () => {
    const srv = await replay((call) => ({
      jsonrpc: '2.0',
      error: { code: 1, message: 'SESSION_AUTHENTICATION_FAILED', data: ['root', 'Authentication failure'] },
      id: call.id,
    }));
    const err = await readPoolHa(
      { url: srv.url, username: 'root', password: 'hunter2-secret' },
      { signal: AbortSignal.timeout(10_000), timeoutMs: 5_000, redactor: new Redactor() },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(String((err as Error).message)).not.toContain('hunter2-secret');
    expect(srv.calls).toHaveLength(1);
  });

  it('gives up with a TimeoutError when the server never answers', async () => {
    const srv = await replay((call) =>
      call.method === 'pool.get_all_records' ? 'hang' : healthyAnswers(call),
    );
    await expect(
      readPoolHa(
        { url: srv.url, username: 'root', password: 'pw' },
        { signal: AbortSignal.timeout(10_000), timeoutMs: 300, redactor: new Redactor() },
      ),
    ).rejects.toBeInstanceOf(TimeoutError);
  });
});
