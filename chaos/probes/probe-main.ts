/**
 * A probing process: `node probe-main.js SPEC_JSON`, where SPEC_JSON is
 * `{"targets":[{"name":..,"config":{probe}}],"intervalMs":10,"forMs":..}`.
 * Started by another process (in a network namespace with `ip netns exec`,
 * or to keep its event loop to itself), it probes every target open loop
 * and prints every sample as one JSON line on stdout as it settles; it stops
 * sending after forMs, on SIGTERM or when its stdin closes, waits for the
 * requests in flight, and ends with one `probe-process` line: what probing
 * cost (CPU) and how late the process ran.
 */
import { z } from 'zod';
import { probeConfig } from '../../inventory/schema.js';
import { jsonLinesSink } from './json-lines-sink.js';
import { startLoadMeter } from './process-load.js';
import { runProbes } from './run-probe.js';

const spec = z.strictObject({
  targets: z.array(z.strictObject({ name: z.string().min(1), config: probeConfig })).min(1),
  intervalMs: z.number().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  forMs: z.number().positive().optional(),
});

async function main(argv: string[]): Promise<number> {
  const parsed = spec.safeParse(
    (() => {
      try {
        return JSON.parse(argv[0] ?? '');
      } catch {
        return undefined;
      }
    })(),
  );
  if (!parsed.success) {
    process.stderr.write(`probe-main: the argument must be a JSON probe spec: ${parsed.error.message}\n`);
    return 2;
  }
  const { targets, intervalMs, timeoutMs, forMs } = parsed.data;
  const stop = new AbortController();
  process.on('SIGTERM', () => stop.abort());
  // Ctrl-C at a terminal reaches the whole process group: the parent decides when probing ends (stdin closes).
  process.on('SIGINT', () => {});
  if (!process.stdin.isTTY) {
    process.stdin.on('close', () => stop.abort());
    process.stdin.resume();
  }
  const timer = forMs === undefined ? undefined : setTimeout(() => stop.abort(), forMs);
  const sink = jsonLinesSink(process.stdout);
  const load = startLoadMeter();
  await runProbes(targets, {
    sink,
    stop: stop.signal,
    ...(intervalMs === undefined ? {} : { intervalMs }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  clearTimeout(timer);
  sink.flush();
  process.stdin.destroy();
  process.stdout.write(`${JSON.stringify({ kind: 'probe-process', ...load.stop() })}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
