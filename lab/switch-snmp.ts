import { createRequire } from 'node:module';
import { AuthError, HavocError, TimeoutError } from '../core/errors.js';

/*
 * The lab's only SNMP code: reading and setting IF-MIB port states on the lab
 * switch with the net-snmp library (a real SNMP stack, v2c and v3 USM).
 * net-snmp ships no types; the few calls used here are typed locally.
 */

interface Varbind {
  oid: string;
  type: number;
  value: unknown;
}
interface Session {
  get(oids: string[], cb: (err: Error | null, varbinds: Varbind[]) => void): void;
  set(varbinds: Varbind[], cb: (err: Error | null, varbinds: Varbind[]) => void): void;
  close(): void;
  on(event: 'error', cb: (err: Error) => void): void;
}
interface NetSnmp {
  createSession(target: string, community: string, options: object): Session;
  createV3Session(target: string, user: object, options: object): Session;
  isVarbindError(vb: Varbind): boolean;
  varbindError(vb: Varbind): string;
  Version2c: number;
  ObjectType: { Integer: number };
  SecurityLevel: { authPriv: number };
  AuthProtocols: { sha: number };
  PrivProtocols: { aes: number };
}
const snmp = createRequire(import.meta.url)('net-snmp') as NetSnmp;

export const IF_OID = {
  ifDescr: '1.3.6.1.2.1.2.2.1.2',
  ifAdminStatus: '1.3.6.1.2.1.2.2.1.7',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifAlias: '1.3.6.1.2.1.31.1.1.1.18',
  sysName: '1.3.6.1.2.1.1.5.0',
  /** NET-SNMP-AGENT-MIB nsCacheTimeout for ifTable (index: the table's OID, IMPLIED). */
  ifTableCacheTimeout: '1.3.6.1.4.1.8072.1.5.3.1.2.1.3.6.1.2.1.2.2',
} as const;

export type SnmpCredentials =
  | { version: '2c'; community: string }
  | { version: '3'; user: string; authKey: string; privKey: string };

export interface SnmpTarget {
  address: string;
  port: number;
}

const IF_STATUS: Record<number, string> = {
  1: 'up',
  2: 'down',
  3: 'testing',
  4: 'unknown',
  5: 'dormant',
  6: 'notPresent',
  7: 'lowerLayerDown',
};
export function ifStatusName(value: number): string {
  return IF_STATUS[value] ?? `unknown(${value})`;
}

function openSession(target: SnmpTarget, creds: SnmpCredentials, timeoutMs: number): Session {
  const options = { port: target.port, timeout: timeoutMs, retries: 1, version: snmp.Version2c };
  if (creds.version === '2c') return snmp.createSession(target.address, creds.community, options);
  return snmp.createV3Session(
    target.address,
    {
      name: creds.user,
      level: snmp.SecurityLevel.authPriv,
      authProtocol: snmp.AuthProtocols.sha,
      authKey: creds.authKey,
      privProtocol: snmp.PrivProtocols.aes,
      privKey: creds.privKey,
    },
    { port: target.port, timeout: timeoutMs, retries: 1 },
  );
}

function request(
  target: SnmpTarget,
  creds: SnmpCredentials,
  signal: AbortSignal,
  call: (s: Session, cb: (err: Error | null, varbinds: Varbind[]) => void) => void,
): Promise<Varbind[]> {
  const where = `${target.address}:${target.port}`;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const session = openSession(target, creds, 1000);
    let closed = false;
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      if (closed) return;
      closed = true;
      session.close();
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    session.on('error', () => {});
    call(session, (err, varbinds) => {
      if (closed) return;
      done();
      if (!err) {
        const bad = varbinds.find((vb) => snmp.isVarbindError(vb));
        if (bad)
          reject(
            new HavocError('snmp', `SNMP ${where}: ${bad.oid}: ${snmp.varbindError(bad)}`, { target: where }),
          );
        else resolve(varbinds);
        return;
      }
      const name = err.name;
      if (name === 'RequestTimedOutError') {
        reject(new TimeoutError(`SNMP agent ${where} did not answer`, { target: where }));
      } else if (/authentication|decrypt|unknown user|wrong digest/i.test(err.message)) {
        reject(
          new AuthError(`SNMP agent ${where} rejected the credentials: ${err.message}`, { target: where }),
        );
      } else reject(new HavocError('snmp', `SNMP ${where}: ${err.message}`, { target: where }));
    });
  });
}

export async function snmpGet(
  target: SnmpTarget,
  creds: SnmpCredentials,
  oids: readonly string[],
  signal: AbortSignal,
): Promise<Map<string, unknown>> {
  const varbinds = await request(target, creds, signal, (s, cb) => s.get([...oids], cb));
  return new Map(
    varbinds.map((vb) => [vb.oid, Buffer.isBuffer(vb.value) ? vb.value.toString('utf8') : vb.value]),
  );
}

export async function snmpSetInteger(
  target: SnmpTarget,
  creds: SnmpCredentials,
  oid: string,
  value: number,
  signal: AbortSignal,
): Promise<void> {
  await request(target, creds, signal, (s, cb) => s.set([{ oid, type: snmp.ObjectType.Integer, value }], cb));
}

export interface PortState {
  ifIndex: number;
  name: string;
  alias: string;
  admin: string;
  oper: string;
}

export async function readPortStates(
  target: SnmpTarget,
  creds: SnmpCredentials,
  ifIndexes: readonly number[],
  signal: AbortSignal,
): Promise<PortState[]> {
  const out: PortState[] = [];
  // A few ports per request keeps every response well under one datagram.
  for (let i = 0; i < ifIndexes.length; i += 8) {
    const batch = ifIndexes.slice(i, i + 8);
    const oids = batch.flatMap((ix) =>
      [IF_OID.ifName, IF_OID.ifAlias, IF_OID.ifAdminStatus, IF_OID.ifOperStatus].map((o) => `${o}.${ix}`),
    );
    const values = await snmpGet(target, creds, oids, signal);
    for (const ix of batch) {
      out.push({
        ifIndex: ix,
        name: String(values.get(`${IF_OID.ifName}.${ix}`) ?? ''),
        alias: String(values.get(`${IF_OID.ifAlias}.${ix}`) ?? ''),
        admin: ifStatusName(Number(values.get(`${IF_OID.ifAdminStatus}.${ix}`))),
        oper: ifStatusName(Number(values.get(`${IF_OID.ifOperStatus}.${ix}`))),
      });
    }
  }
  return out;
}
