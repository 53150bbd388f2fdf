import type { Collector } from '../collector.js';
import { bmcCollector } from './bmc.js';
import { switchCollector } from './switch.js';

/** Every collector the exporter runs; adding one is a file and a line here. */
export const COLLECTORS: readonly Collector[] = [
  switchCollector,
  bmcCollector,
  // host: ...hostCollectors (exporters/collectors/host*.ts)
  // cluster: ...clusterCollectors (exporters/collectors/cluster*.ts, ha-readiness*.ts)
];
