import type { CheckStatus } from '../../certify/check.js';

/**
 * What every live check says of the healthy HA lab: it follows each practice but its 3000 ms token (kept short
 * for fast tests), and it runs Debian 12's Pacemaker 2.1.5, which can lose an agent's metadata exit.
 */
export const LAB_CHECK_STATUSES: Readonly<Record<string, CheckStatus>> = {
  'corosync.token': 'warning',
  'corosync.consensus': 'passing',
  'corosync.links': 'passing',
  'corosync.two-node': 'passing',
  'corosync.conf-identical': 'passing',
  'pacemaker.stonith-enabled': 'passing',
  'pacemaker.fence-device-per-node': 'passing',
  'pacemaker.fence-delay': 'passing',
  'pacemaker.no-cli-constraints': 'passing',
  'pacemaker.no-failed-actions': 'passing',
  'pacemaker.no-fail-counts': 'passing',
  'pacemaker.nodes-active': 'passing',
  'pacemaker.lost-metadata-exit': 'warning',
  'versions.identical': 'passing',
  'time.synchronised': 'passing',
};

/** The VM and DRBD checks `havoc check` adds on the healthy HA lab: its VM follows them; it has no DRBD. */
export const LAB_VM_DRBD_CHECK_STATUSES: Readonly<Record<string, CheckStatus>> = {
  'vm.disk-cache': 'passing',
  'vm.cpu-model': 'passing',
  'vm.memory-declared': 'passing',
  'drbd.protocol-c': 'not-applicable',
  'drbd.fencing': 'not-applicable',
  'drbd.dual-primary': 'not-applicable',
};
