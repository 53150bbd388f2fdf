import type { ProbeConfig } from '../../inventory/schema.js';
import type { Timeline } from '../timeline/writer.js';
import { type Prober, startProber } from './prober-process.js';
import type { ProcessLoad } from './process-load.js';
import type { SampleSink } from './sample.js';

export interface RunProbeTarget {
  name: string;
  config: ProbeConfig;
}

export interface RunProbes {
  pid: number;
  /** Stops sending, waits for the requests in flight (every sample is on the timeline then). */
  stop(): Promise<ProcessLoad>;
  /** Rejects if the prober dies before it is stopped. */
  done: Promise<ProcessLoad>;
}

/**
 * The probes of a run: one prober process (as `havoc probe` uses, an event
 * loop of its own, at real-time priority when root) for every VM, each sample
 * appended to the run's timeline as it settles and handed to `also`.
 */
export function startRunProbes(
  targets: readonly RunProbeTarget[],
  timeline: Timeline,
  opts: { intervalMs?: number; realtime?: boolean; also?: SampleSink } = {},
): RunProbes {
  const prober: Prober = startProber(
    { targets: [...targets], ...(opts.intervalMs === undefined ? {} : { intervalMs: opts.intervalMs }) },
    (s) => {
      timeline.append(s);
      opts.also?.(s);
    },
    { realtime: opts.realtime ?? process.getuid?.() === 0 },
  );
  return { pid: prober.pid, stop: () => prober.stop(), done: prober.done };
}
