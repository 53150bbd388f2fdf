import type { DashboardSpec } from '../panel-spec.js';
import { bmcFencing } from './bmc-fencing.js';
import { drbd } from './drbd.js';
import { haOverview } from './ha-overview.js';
import { hostsBonds } from './hosts-bonds.js';
import { suiteHistory } from './suite-history.js';
import { switchPorts } from './switch-ports.js';
import { xapiPool } from './xapi-pool.js';

/** Every dashboard havoc ships; adding one is a file here and a line in this list. */
export const DASHBOARDS: readonly DashboardSpec[] = [
  haOverview,
  hostsBonds,
  switchPorts,
  drbd,
  bmcFencing,
  xapiPool,
  suiteHistory,
];
