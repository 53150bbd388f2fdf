import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, HavocError, TimeoutError } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import { createTestCa, type TestCa } from '../../test/support/test-ca.js';
import {
  xapiFixture as fixture,
  healthyXapiAnswers,
  xapiRecords as records,
  startXapiServer,
  XAPI_SESSION,
  type XapiCall,
  type XapiTestServer,
} from '../../test/support/xapi-server.js';
import { parseJsonRpcResponse, parsePoolRecords, readPoolHa, XapiError } from './index.js';

const servers: XapiTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function replay(
  answer: (call: XapiCall) => unknown,
  tls?: { key: string; cert: string },
): Promise<XapiTestServer> {
  const server = await startXapiServer(answer, tls);
  servers.push(server);
  return server;
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
      if (call.method === 'pool.get_all_records') duringRead = redactor.redact(`session ${XAPI_SESSION}`);
      return healthyXapiAnswers(call);
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
    expect(srv.calls.slice(1).every((c) => c.params[0] === XAPI_SESSION)).toBe(true);
  });

  it('still logs out when a call fails with SESSION_INVALID', async () => {
    const invalid = JSON.parse(fixture('wire-protocol-session-invalid.json')) as object;
    const srv = await replay((call) =>
      call.method === 'host.get_all_records' ? invalid : healthyXapiAnswers(call),
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
      call.method === 'pool.get_all_records' ? 'hang' : healthyXapiAnswers(call),
    );
    await expect(
      readPoolHa(
        { url: srv.url, username: 'root', password: 'pw' },
        { signal: AbortSignal.timeout(10_000), timeoutMs: 300, redactor: new Redactor() },
      ),
    ).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe('readPoolHa over HTTPS against a local XAPI JSON-RPC server with a test CA (openssl; wire format per wire-protocol.md)', () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await createTestCa();
  });
  afterAll(async () => {
    await ca?.remove();
  });
  const read = (url: string, tls?: { caFile?: string; insecureTls?: boolean }) =>
    readPoolHa(
      { url, username: 'root', password: 'pw', ...(tls ? { tls } : {}) },
      { signal: AbortSignal.timeout(10_000), timeoutMs: 5_000, redactor: new Redactor() },
    );

  it('accepts the pool master certificate signed by caFile, and logs out', async () => {
    const srv = await replay(healthyXapiAnswers, ca);
    const snap = await read(srv.url, { caFile: ca.caFile });
    expect(snap.hosts.map((h) => h.nameLabel)).toEqual(['xen1', 'xen2']);
    expect(srv.calls.at(-1)?.method).toBe('session.logout');
  });

  it('refuses it with a TLS error naming the pool master and caFile when caFile holds another CA, before logging in', async () => {
    const srv = await replay(healthyXapiAnswers, ca);
    const err = await read(srv.url, { caFile: ca.otherCaFile }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HavocError);
    expect((err as HavocError).code).toBe('tls');
    expect((err as Error).message).toMatch(
      /^XAPI pool master https:\/\/127\.0\.0\.1:\d+\/jsonrpc \(user root\): TLS certificate not trusted/,
    );
    expect((err as HavocError).hint).toContain(ca.otherCaFile);
    expect(srv.calls).toEqual([]);
  });

  it('verifies against the system roots by default: the self-signed chain is refused without caFile', async () => {
    const srv = await replay(healthyXapiAnswers, ca);
    const err = await read(srv.url).catch((e: unknown) => e);
    expect((err as HavocError).code).toBe('tls');
    expect((err as HavocError).hint).toMatch(/set caFile .* insecureTls: true/);
    expect(srv.calls).toEqual([]);
  });

  it('insecureTls: true reads the pool without a CA', async () => {
    const srv = await replay(healthyXapiAnswers, ca);
    const snap = await read(srv.url, { insecureTls: true });
    expect(snap.pool.haEnabled).toBe(true);
  });

  it('a caFile that cannot be read is a config error naming the file', async () => {
    const srv = await replay(healthyXapiAnswers, ca);
    const missing = `${ca.dir}/no-such-ca.crt`;
    await expect(read(srv.url, { caFile: missing })).rejects.toThrow(
      new RegExp(`cannot read caFile ${missing.replaceAll('.', '\\.')} \\(ENOENT\\)`),
    );
  });
});
