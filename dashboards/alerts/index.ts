import { bmcGroup } from './groups/bmc.js';
import { corosyncGroup } from './groups/corosync.js';
import { drbdGroup } from './groups/drbd.js';
import { exporterGroup } from './groups/exporter.js';
import { hostsGroup } from './groups/hosts.js';
import { pacemakerGroup } from './groups/pacemaker.js';
import { suitesGroup } from './groups/suites.js';
import { switchesGroup } from './groups/switches.js';
import { vmsGroup } from './groups/vms.js';
import { xapiGroup } from './groups/xapi.js';
import type { RuleGroup } from './rule.js';

/** Every rule group havoc ships; adding a domain is a file in groups/ and a line here. */
export const RULE_GROUPS: readonly RuleGroup[] = [
  exporterGroup,
  hostsGroup,
  switchesGroup,
  drbdGroup,
  bmcGroup,
  vmsGroup,
  pacemakerGroup,
  corosyncGroup,
  xapiGroup,
  suitesGroup,
];
