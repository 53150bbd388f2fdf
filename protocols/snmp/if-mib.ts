import {
  ADMIN_DOWN,
  ADMIN_UP,
  type AdminState,
  adminState,
  ifTable,
  type OperState,
  operState,
} from './oids.js';
import type { SnmpSession } from './session.js';
import { asNumber, isException } from './varbind-values.js';

export interface PortStatus {
  ifIndex: number;
  /** undefined when the agent has no such instance (the ifIndex went away). */
  admin: AdminState | undefined;
  oper: OperState | undefined;
}

/** Varbinds per GET: well under any agent's PDU size with two small integers per port. */
const GET_BATCH = 24;

/** ifAdminStatus and ifOperStatus of a few ports, by GET (cheaper than a walk for a handful). */
export async function readPortStatus(
  session: SnmpSession,
  ifIndexes: readonly number[],
  signal: AbortSignal,
): Promise<Map<number, PortStatus>> {
  const oids = ifIndexes.flatMap((i) => [`${ifTable.ifAdminStatus}.${i}`, `${ifTable.ifOperStatus}.${i}`]);
  const batches: string[][] = [];
  for (let i = 0; i < oids.length; i += GET_BATCH) batches.push(oids.slice(i, i + GET_BATCH));
  const answers = (await Promise.all(batches.map((b) => session.get(b, signal)))).flat();
  const result = new Map<number, PortStatus>();
  ifIndexes.forEach((ifIndex, n) => {
    const admin = answers[2 * n];
    const oper = answers[2 * n + 1];
    const a = admin && !isException(admin) ? asNumber(admin) : undefined;
    const o = oper && !isException(oper) ? asNumber(oper) : undefined;
    result.set(ifIndex, {
      ifIndex,
      admin: a === undefined ? undefined : adminState(a),
      oper: o === undefined ? undefined : operState(o),
    });
  });
  return result;
}

/** SET ifAdminStatus up(1) or down(2). */
export function setAdminStatus(
  session: SnmpSession,
  ifIndex: number,
  state: 'up' | 'down',
  signal: AbortSignal,
): Promise<void> {
  return session.setInteger(
    `${ifTable.ifAdminStatus}.${ifIndex}`,
    state === 'up' ? ADMIN_UP : ADMIN_DOWN,
    signal,
  );
}
