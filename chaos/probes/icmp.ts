import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { HavocError } from '../../core/errors.js';
import type { ProbeConfig } from '../../inventory/schema.js';
import { PingSampler, parsePingLine } from './ping-lines.js';
import { nowNs, type SampleSink } from './sample.js';

export type IcmpProbeConfig = Extract<ProbeConfig, { type: 'icmp' }>;

/**
 * CLOCK_REALTIME minus CLOCK_MONOTONIC, to move ping's wall-clock stamps onto
 * the monotonic clock: read at the instant Date.now() ticks to the next
 * millisecond, so it is good to a few microseconds. (Both clocks are slewed
 * alike by NTP; only a step of the wall clock during a run would shift it.)
 */
export function wallMinusMonoNs(): bigint {
  const before = Date.now();
  let wall = before;
  let mono = nowNs();
  while (wall === before) {
    mono = nowNs();
    wall = Date.now();
  }
  return BigInt(wall) * 1_000_000n - mono;
}

export function pingArgv(config: IcmpProbeConfig, intervalNs: bigint): string[] {
  const seconds = (Number(intervalNs) / 1e9).toFixed(6);
  return ['ping', '-n', '-D', '-O', '-i', seconds, '--', config.address];
}

/**
 * ICMP echo every interval from one long-running `ping` (open loop: ping
 * sends on its own timer whatever the replies do). When `stop` aborts, ping
 * runs one timeout longer so the last requests get their chance to be
 * answered; samples sent after the stop are dropped.
 */
export async function runIcmpProbe(
  probe: string,
  config: IcmpProbeConfig,
  intervalNs: bigint,
  timeoutMs: number,
  sink: SampleSink,
  stop: AbortSignal,
  cancel: AbortSignal,
): Promise<void> {
  const timeoutNs = BigInt(timeoutMs) * 1_000_000n;
  const offset = wallMinusMonoNs();
  let stopNs: bigint | undefined;
  const sampler = new PingSampler(probe, offset, intervalNs, timeoutNs, (s) => {
    if (stopNs === undefined || BigInt(s.sentNs) <= stopNs) sink(s);
  });
  const argv = pingArgv(config, intervalNs);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const ev = parsePingLine(line);
    if (ev) sampler.push(ev, nowNs());
  });
  let lingering: NodeJS.Timeout | undefined;
  const end = () => child.kill('SIGINT');
  const onStop = () => {
    stopNs = nowNs();
    lingering = setTimeout(end, timeoutMs);
  };
  stop.addEventListener('abort', onStop, { once: true });
  cancel.addEventListener('abort', end, { once: true });
  if (stop.aborted) onStop();
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  clearTimeout(lingering);
  stop.removeEventListener('abort', onStop);
  cancel.removeEventListener('abort', end);
  sampler.expire(nowNs(), true);
  if (exit.error) {
    throw new HavocError('environment', `cannot run ping for ${probe}: ${exit.error.message}`, {
      hint: 'install iputils-ping',
    });
  }
  if (stopNs === undefined && !cancel.aborted) {
    throw new HavocError(
      'probe',
      `ping ${config.address} for ${probe} exited (code ${exit.code}): ${stderr.trim()}`,
      {
        target: probe,
      },
    );
  }
}
