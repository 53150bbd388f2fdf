import { HavocError } from '../../core/errors.js';
import type { AnyFault } from '../fault.js';
import { bandwidth } from './bandwidth.js';
import { bmcDead } from './bmc-dead.js';
import { drbdDisconnect } from './drbd-disconnect.js';
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
  packetLoss as AnyFault,
  bandwidth as AnyFault,
  latency as AnyFault,
  storageLoss as AnyFault,
  drbdDisconnect as AnyFault,
];

export function faultByName(name: string): AnyFault {
  const f = FAULTS.find((x) => x.name === name);
  if (!f) {
    throw new HavocError('usage', `no fault "${name}"`, {
      hint: `one of ${FAULTS.map((x) => x.name).join(', ')} (havoc chaos list)`,
    });
  }
  return f;
}
