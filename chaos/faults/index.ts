import { HavocError } from '../../core/errors.js';
import type { AnyFault } from '../fault.js';
import { bmcDead } from './bmc-dead.js';
import { daemonKill } from './daemon-kill.js';
import { hostCrash } from './host-crash.js';
import { hostHang } from './host-hang.js';
import { hostPowerOff } from './host-power-off.js';
import { linkDown } from './link-down.js';
import { networkPartition } from './network-partition.js';

/** Every fault havoc can inject; adding one is a file in this folder and a line here. */
export const FAULTS: readonly AnyFault[] = [
  networkPartition as AnyFault,
  hostPowerOff as AnyFault,
  linkDown as AnyFault,
  bmcDead as AnyFault,
  hostCrash as AnyFault,
  hostHang as AnyFault,
  daemonKill as AnyFault,
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
