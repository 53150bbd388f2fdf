import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HavocError } from '../../core/errors.js';
import type { ProcessLoad } from './process-load.js';
import type { ProbeTarget } from './run-probe.js';
import type { ProbeSample, SampleSink } from './sample.js';

export interface ProberSpec {
  targets: ProbeTarget[];
  intervalMs?: number;
  timeoutMs?: number;
  forMs?: number;
}

export interface ProberOptions {
  /** Probe from inside this network namespace (`ip netns exec`); the root namespace when absent. */
  netns?: string;
  /**
   * Run under SCHED_RR (`chrt -r 10`, root only). On a loaded machine a
   * normal process waits for a CPU for tens of ms at a time and its sends
   * leave that late (measured: README, Probes); a real-time prober does not.
   */
  realtime?: boolean;
}

export interface Prober {
  pid: number;
  /** Stops sending, waits for the requests in flight; resolves with what probing cost. */
  stop(): Promise<ProcessLoad>;
  /** Resolves when the prober exits by itself (forMs), with what probing cost. */
  done: Promise<ProcessLoad>;
}

/**
 * Runs probe-main.ts in its own process (an event loop of its own, another
 * namespace, a real-time priority) and streams its samples to the sink.
 */
export function startProber(spec: ProberSpec, sink: SampleSink, opts: ProberOptions = {}): Prober {
  const self = fileURLToPath(import.meta.url);
  const main = self.replace(/prober-process(\.[jt]s)$/, 'probe-main$1');
  const node = [
    process.execPath,
    ...(extname(self) === '.ts' ? ['--import', 'tsx'] : []),
    main,
    JSON.stringify(spec),
  ];
  const argv = [
    ...(opts.netns ? ['ip', 'netns', 'exec', opts.netns] : []),
    ...(opts.realtime ? ['chrt', '-r', '10'] : []),
    ...node,
  ];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let load: ProcessLoad | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const record = JSON.parse(line) as ProbeSample | ({ kind: 'probe-process' } & ProcessLoad);
    if (record.kind === 'probe') sink(record);
    else load = record;
  });
  const done = new Promise<ProcessLoad>((resolve, reject) => {
    child.on('error', (err) =>
      reject(new HavocError('environment', `cannot start the prober: ${err.message}`)),
    );
    child.on('close', (code) => {
      if (load) resolve(load);
      else
        reject(
          new HavocError('probe', `the prober exited (code ${code}) before its summary: ${stderr.trim()}`),
        );
    });
  });
  // A prober that fails before anyone awaits it must not take the parent down as an unhandled rejection.
  done.catch(() => undefined);
  return {
    pid: child.pid!,
    done,
    stop: () => {
      child.stdin!.end();
      return done;
    },
  };
}
