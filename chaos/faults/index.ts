import { HavocError } from '../../core/errors.js';
import { ACTIONS } from '../actions/index.js';
import type { AnyFault } from '../fault.js';
import { bandwidth } from './bandwidth.js';
import { bmcDead } from './bmc-dead.js';
import { daemonKill } from './daemon-kill.js';
import { drbdDisconnect } from './drbd-disconnect.js';
import { hostCrash } from './host-crash.js';
import { hostHang } from './host-hang.js';
import { hostPowerOff } from './host-power-off.js';
import { latency } from './latency.js';
import { linkDown } from './link-down.js';
import { networkPartition } from './network-partition.js';
import { packetLoss } from './packet-loss.js';
import { storageLoss } from './storage-loss.js';

/** Every fault havoc can inject; adding one is a file in this folder and a line here. */
export const FAULTS: readonly AnyFault[] = [
  networkPartition as AnyFault,
  hostPowerOff as AnyFault,
  linkDown as AnyFault,
  bmcDead as AnyFault,
  hostCrash as AnyFault,
  hostHang as AnyFault,
  daemonKill as AnyFault,
  packetLoss as AnyFault,
  bandwidth as AnyFault,
  latency as AnyFault,
  storageLoss as AnyFault,
  drbdDisconnect as AnyFault,
];

/** Faults, then planned actions: everything `havoc chaos inject` takes and the ledger may name. */
export const FAULTS_AND_ACTIONS: readonly AnyFault[] = [...FAULTS, ...ACTIONS];

export function faultByName(name: string): AnyFault {
  const f = FAULTS_AND_ACTIONS.find((x) => x.name === name);
  if (!f) {
    throw new HavocError('usage', `no fault or action "${name}"`, {
      hint: `one of ${FAULTS_AND_ACTIONS.map((x) => x.name).join(', ')} (havoc chaos list)`,
    });
  }
  return f;
}
