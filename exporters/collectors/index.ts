import type { Collector } from '../collector.js';
import { bmcCollector } from './bmc.js';
import { clusterCollectors } from './cluster.js';
import { hostCollector } from './host.js';
import { switchCollector } from './switch.js';

/** Every collector the exporter runs; adding one is a file and a line here. */
export const COLLECTORS: readonly Collector[] = [
  switchCollector,
  bmcCollector,
  hostCollector,
  ...clusterCollectors,
];
