import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, TimeoutError } from '../../core/errors.js';
import { type SnmpdAgent, startSnmpd } from '../../test/support/snmpd.js';
import { SnmpError } from './errors.js';
import { readPortStatus, setAdminStatus } from './if-mib.js';
import { ifTable, ifXTable, SYS_UPTIME } from './oids.js';
import { PortLookupCache, resolvePorts } from './port-lookup.js';
import { type SnmpCredentials, SnmpSession } from './session.js';
import { asNumber, asText } from './varbind-values.js';

let agent: SnmpdAgent;
const open: SnmpSession[] = [];

function session(credentials: SnmpCredentials, extra: { timeoutMs?: number } = {}): SnmpSession {
  const s = new SnmpSession({
    host: agent.address,
    port: agent.port,
    credentials,
    attemptTimeoutMs: 300,
    ...extra,
  });
  open.push(s);
  return s;
}
const v2c = (community: string): SnmpCredentials => ({ version: '2c', community });
const v3 = (over: { authKey?: string; privKey?: string; user?: string } = {}): SnmpCredentials => ({
  version: '3',
  user: over.user ?? agent.v3.user,
  auth: { protocol: 'sha', key: over.authKey ?? agent.v3.authKey },
  priv: { protocol: 'aes', key: over.privKey ?? agent.v3.privKey },
});
const signal = () => AbortSignal.timeout(20_000);

beforeAll(async () => {
  agent = await startSnmpd({ ports: 60 });
});
afterAll(async () => {
  for (const s of open) s.close();
  await agent?.stop();
});

describe('SNMP session against net-snmp snmpd', () => {
  it('v2c: GET and a parallel multi-column GETBULK walk over more rows than one answer holds', async () => {
    const s = session(v2c(agent.readCommunity));
    const [up] = await s.get([SYS_UPTIME], signal());
    expect(up && asNumber(up)).toBeGreaterThan(0);
    const cols = await s.walkColumns(
      [ifTable.ifDescr, ifTable.ifAdminStatus, ifXTable.ifName, ifXTable.ifAlias, ifTable.ifMtu],
      signal(),
    );
    // lo, uplink and 60 ports
    for (const rows of cols.values()) expect(rows.size).toBe(62);
    const swp7 = agent.ports[6];
    if (!swp7) throw new Error('port');
    const alias = cols.get(ifXTable.ifAlias)?.get(String(swp7.ifIndex));
    expect(alias && asText(alias)).toBe('host7 eth0');
    // 62 rows at 25 per request: at least 3 exchanges per chain, and fewer than one per column per 25 rows.
    expect(s.stats.requests).toBeGreaterThanOrEqual(3);
    expect(s.stats.requests).toBeLessThan(5 * 3 + 2);
  });

  it('v2c: SET ifAdminStatus with the write community takes a port down, and the agent reports it', async () => {
    const s = session(v2c(agent.writeCommunity));
    const ports = await resolvePorts(s, new PortLookupCache(), ['swp2'], signal());
    const port = ports.get('swp2');
    if (!port) throw new Error('swp2 not resolved');
    await setAdminStatus(s, port.ifIndex, 'down', signal());
    expect(await agent.kernelState('swp2')).toBe('DOWN');
    expect((await readPortStatus(s, [port.ifIndex], signal())).get(port.ifIndex)?.admin).toBe('down');
    await setAdminStatus(s, port.ifIndex, 'up', signal());
    expect(await agent.kernelState('swp2')).not.toBe('DOWN');
  });

  it('v2c: SET with the read community is refused with noAccess, SET of ifOperStatus with notWritable', async () => {
    const ro = session(v2c(agent.readCommunity));
    const err = await setAdminStatus(ro, 3, 'down', signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnmpError);
    expect((err as SnmpError).status).toBe('noAccess');
    expect((err as SnmpError).describe()).toMatch(/SET ifAdminStatus\.3 = 2 refused: noAccess: .*write/);
    expect((err as SnmpError).describe()).not.toContain(agent.readCommunity);

    const rw = session(v2c(agent.writeCommunity));
    const err2 = await rw.setInteger(`${ifTable.ifOperStatus}.3`, 2, signal()).catch((e: unknown) => e);
    expect((err2 as SnmpError).status).toBe('notWritable');
  });

  it('v2c: a wrong community gets no answer, so it is a timeout at the deadline naming the community as a cause', async () => {
    const s = session(v2c('not-the-community'), { timeoutMs: 1000 });
    const err = await s.get([SYS_UPTIME], signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).describe()).toMatch(/no answer .* within \d+ ms .*community/);
    expect((err as TimeoutError).describe()).not.toContain('not-the-community');
  });

  it('v3 authPriv (SHA/AES): GET and walk work', async () => {
    const s = session(v3());
    const [up] = await s.get([SYS_UPTIME], signal());
    expect(up && asNumber(up)).toBeGreaterThan(0);
    const cols = await s.walkColumns([ifTable.ifOperStatus, ifXTable.ifHCInOctets], signal());
    expect(cols.get(ifTable.ifOperStatus)?.size).toBe(62);
  });

  it('v3: a wrong authentication key is an AuthError from the usmStatsWrongDigests report, at once and without the key', async () => {
    const wrong = 'wrong-auth-key-123';
    const s = session(v3({ authKey: wrong }), { timeoutMs: 10_000 });
    const err = await s.get([SYS_UPTIME], signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).describe()).toMatch(/wrong v3 authentication key .*usmStatsWrongDigests/);
    expect((err as AuthError).describe()).not.toContain(wrong);
    // No retransmissions that cannot help: one discovery exchange, one authenticated request.
    expect(s.stats.retransmissions).toBe(0);
  });

  it('v3: an unknown user is an AuthError from the usmStatsUnknownUserNames report', async () => {
    const s = session(v3({ user: 'nobody' }));
    const err = await s.get([SYS_UPTIME], signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).describe()).toMatch(/does not know v3 user nobody/);
  });

  it('v3: a wrong privacy key gets no answer from snmpd, so it is a timeout that names the privacy key', async () => {
    const s = session(v3({ privKey: 'wrong-priv-key-123' }), { timeoutMs: 1000 });
    const err = await s.get([SYS_UPTIME], signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).describe()).toMatch(/privacy key/);
  });

  it('an aborted signal ends a call at once, and a dead agent costs the deadline', async () => {
    const dead = new SnmpSession({
      host: agent.address,
      port: agent.port + 1 > 65535 ? 1 : agent.port + 1,
      credentials: v2c('dead-agent'),
      timeoutMs: 800,
      attemptTimeoutMs: 200,
    });
    open.push(dead);
    const controller = new AbortController();
    const pending = dead.get([SYS_UPTIME], controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(dead.get([SYS_UPTIME], signal())).rejects.toBeInstanceOf(TimeoutError);
    expect(dead.stats.retransmissions).toBeGreaterThan(0);
  });

  it('port lookup: an unknown name lists what the agent has', async () => {
    const s = session(v2c(agent.readCommunity));
    await expect(resolvePorts(s, new PortLookupCache(), ['swp999'], signal())).rejects.toThrow(
      /no port has ifName, ifDescr or ifAlias "swp999"/,
    );
  });
});
