import type { Inventory } from '../../inventory/schema.js';
import type { LiveCheck } from '../check.js';
import { corosyncConfIdentical } from './corosync-conf-identical.js';
import { corosyncConsensus } from './corosync-consensus.js';
import { corosyncLinks } from './corosync-links.js';
import { corosyncToken } from './corosync-token.js';
import { corosyncTwoNode } from './corosync-two-node.js';
import { drbdDualPrimary } from './drbd-dual-primary.js';
import { drbdFencing } from './drbd-fencing.js';
import { drbdProtocol } from './drbd-protocol.js';
import { pacemakerFenceDelay } from './pacemaker-fence-delay.js';
import { pacemakerFenceDevices } from './pacemaker-fence-devices.js';
import { pacemakerLostMetadataExit } from './pacemaker-lost-metadata-exit.js';
import { pacemakerNoCliConstraints } from './pacemaker-no-cli-constraints.js';
import { pacemakerNoFailCounts } from './pacemaker-no-fail-counts.js';
import { pacemakerNoFailedActions } from './pacemaker-no-failed-actions.js';
import { pacemakerNodesActive } from './pacemaker-nodes-active.js';
import { pacemakerStonithEnabled } from './pacemaker-stonith-enabled.js';
import { timeSynchronised } from './time-synchronised.js';
import { versionsIdentical } from './versions-identical.js';
import { vmCpuModel } from './vm-cpu-model.js';
import { vmDiskCache } from './vm-disk-cache.js';
import { vmMemoryDeclared } from './vm-memory-declared.js';
import {
  xapiFailuresTolerated,
  xapiHaEnabled,
  xapiStatefilePlugged,
  xapiVmMemoryDeclared,
} from './xapi-ha.js';

/** The live checks for a Pacemaker cluster; adding one is a file in this folder and a line here. */
export const PACEMAKER_CHECKS: readonly LiveCheck[] = [
  corosyncToken,
  corosyncConsensus,
  corosyncLinks,
  corosyncTwoNode,
  corosyncConfIdentical,
  pacemakerStonithEnabled,
  pacemakerFenceDevices,
  pacemakerFenceDelay,
  pacemakerNoCliConstraints,
  pacemakerNoFailedActions,
  pacemakerNoFailCounts,
  pacemakerNodesActive,
  pacemakerLostMetadataExit,
  versionsIdentical,
  timeSynchronised,
];

/** The VMs as the hosts define them (libvirt, or QEMU run by havoc's qemu-vm agent). */
export const VM_CHECKS: readonly LiveCheck[] = [vmDiskCache, vmCpuModel, vmMemoryDeclared];

/** DRBD resources the inventory declares, as each peer configures them. */
export const DRBD_CHECKS: readonly LiveCheck[] = [drbdProtocol, drbdFencing, drbdDualPrimary];

/** A XenServer / XCP-ng pool, from its master's XAPI. */
export const XAPI_CHECKS: readonly LiveCheck[] = [
  xapiHaEnabled,
  xapiStatefilePlugged,
  xapiFailuresTolerated,
  xapiVmMemoryDeclared,
];

/** Every check havoc knows, for --list and --only. */
export const ALL_CHECKS: readonly LiveCheck[] = [
  ...PACEMAKER_CHECKS,
  ...VM_CHECKS,
  ...DRBD_CHECKS,
  ...XAPI_CHECKS,
];

/**
 * The catalogue for an inventory: its HA manager's checks, then the VM and
 * DRBD checks (each not-applicable where the inventory has no VMs / no DRBD).
 * undefined: no catalogue for this HA manager yet.
 */
export function catalogueFor(inventory: Inventory): readonly LiveCheck[] | undefined {
  const manager = inventory.haManager?.type;
  if (manager === 'pacemaker') return [...PACEMAKER_CHECKS, ...VM_CHECKS, ...DRBD_CHECKS];
  if (manager === 'xapi') return [...XAPI_CHECKS, ...VM_CHECKS, ...DRBD_CHECKS];
  return undefined;
}
