import type { Collector } from '../collector.js';
import { constraintsCollector } from './cluster-constraints.js';
import { corosyncCollector } from './cluster-corosync.js';
import { pacemakerCollector } from './cluster-pacemaker.js';
import { xapiCollector } from './cluster-xapi.js';
import { fencingReadyCollector } from './ha-fencing-ready.js';
import { haReadinessCollector } from './ha-readiness.js';

/** The collectors of the cluster module (target: the cluster's name), for exporters/collectors/index.ts. */
export const clusterCollectors: readonly Collector[] = [
  pacemakerCollector,
  constraintsCollector,
  corosyncCollector,
  xapiCollector,
  haReadinessCollector,
  fencingReadyCollector,
];
