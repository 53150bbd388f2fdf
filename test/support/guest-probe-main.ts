/**
 * Probes a lab guest from inside a network namespace (`ip netns exec NS node
 * --import tsx guest-probe-main.ts MODE ...`): Node cannot enter a namespace itself, so
 * the probing process is started in it. Prints one JSON line per result on
 * stdout. Test-only: the VM testbed (vm-testbed.ts) runs it.
 *
 *   wait  URL TIMEOUT_MS         first valid answer, or an error after TIMEOUT_MS
 *   watch URL INTERVAL_MS        probe until stdin closes or SIGTERM (a line per answer), then print the summary
 *   echo  HOST PORT PAYLOAD      one round trip through the echo service
 */
import { abortableSleep, deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { echoOnce, type ProbeSample, probeOnce, summarizeProbes } from '../../lab/vm/guestProbe.js';

async function wait(url: string, timeoutMs: number): Promise<number> {
  const started = monotonicMs();
  let last: ProbeSample | undefined;
  try {
    const answer = await pollUntil(
      async (signal) => {
        const sample = await probeOnce(url, 1_000, signal);
        last = sample;
        return sample.ok ? sample : undefined;
      },
      deadlineSignal(timeoutMs, `a valid answer from ${url}`),
      { initialMs: 50, maxMs: 50 },
    );
    console.log(
      JSON.stringify({ ok: true, status: answer.status, waitedMs: Math.round(monotonicMs() - started) }),
    );
    return 0;
  } catch {
    console.log(
      JSON.stringify({
        ok: false,
        error: `no valid answer from ${url} in ${timeoutMs} ms: ${last?.ok === false ? last.error : 'no probe ran'}`,
      }),
    );
    return 1;
  }
}

async function watch(url: string, intervalMs: number): Promise<number> {
  const stop = new AbortController();
  process.on('SIGTERM', () => stop.abort());
  process.stdin.on('end', () => stop.abort());
  process.stdin.on('close', () => stop.abort());
  process.stdin.resume();
  const samples: ProbeSample[] = [];
  console.log(JSON.stringify({ watching: url }));
  while (!stop.signal.aborted) {
    const sample = await probeOnce(url, 500);
    samples.push(sample);
    // One line per answer, so the test can wait for answers instead of sleeping.
    console.log(
      JSON.stringify({ sample: sample.ok ? { ok: true, bootId: sample.status.bootId } : { ok: false } }),
    );
    await abortableSleep(intervalMs, stop.signal).catch(() => undefined);
  }
  process.stdin.destroy();
  console.log(JSON.stringify({ summary: summarizeProbes(samples) }));
  return 0;
}

async function echo(host: string, port: number, payload: string): Promise<number> {
  try {
    const reply = await echoOnce(host, port, payload);
    console.log(JSON.stringify({ ok: reply === payload, reply }));
    return reply === payload ? 0 : 1;
  } catch (err) {
    console.log(JSON.stringify({ ok: false, error: (err as Error).message }));
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [mode, a, b, c] = argv;
  if (mode === 'wait' && a && b) return wait(a, Number(b));
  if (mode === 'watch' && a && b) return watch(a, Number(b));
  if (mode === 'echo' && a && b && c !== undefined) return echo(a, Number(b), c);
  console.error(
    'usage: guest-probe-main wait URL TIMEOUT_MS | watch URL INTERVAL_MS | echo HOST PORT PAYLOAD',
  );
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
