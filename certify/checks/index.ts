import type { LiveCheck } from '../check.js';
import { corosyncConfIdentical } from './corosync-conf-identical.js';
import { corosyncConsensus } from './corosync-consensus.js';
import { corosyncLinks } from './corosync-links.js';
import { corosyncToken } from './corosync-token.js';
import { corosyncTwoNode } from './corosync-two-node.js';
import { pacemakerFenceDelay } from './pacemaker-fence-delay.js';
import { pacemakerFenceDevices } from './pacemaker-fence-devices.js';
import { pacemakerNoCliConstraints } from './pacemaker-no-cli-constraints.js';
import { pacemakerNoFailCounts } from './pacemaker-no-fail-counts.js';
import { pacemakerNoFailedActions } from './pacemaker-no-failed-actions.js';
import { pacemakerNodesActive } from './pacemaker-nodes-active.js';
import { pacemakerStonithEnabled } from './pacemaker-stonith-enabled.js';
import { timeSynchronised } from './time-synchronised.js';
import { versionsIdentical } from './versions-identical.js';

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
  versionsIdentical,
  timeSynchronised,
];
