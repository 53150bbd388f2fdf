import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * What a probing process cost and why its sends were late: CPU time from
 * /proc/self/stat (utime + stime, in clock ticks), the event loop's delay,
 * and the time its main thread waited for a CPU while runnable
 * (/proc/self/schedstat), which tells a busy loop from a busy machine.
 */
export interface ProcessLoad {
  cpuMs: number;
  /** The kernel's share of cpuMs: on loopback and veth the peer's receive path runs in the sender's context too. */
  systemMs: number;
  wallMs: number;
  /** cpuMs / wallMs: 0.1 is 10% of one core. */
  cpuShare: number;
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  /** Time spent runnable but not running (waiting for a CPU). */
  runQueueWaitMs: number;
}

/** The loop monitor's timer period; its histogram holds whole periods, so this is taken off. */
const LOOP_SAMPLE_MS = 10;

/** Clock ticks per second of /proc/PID/stat: 100 on every Linux architecture havoc runs on (USER_HZ). */
const USER_HZ = 100;

function cpuTicks(): { user: number; system: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the command name.
  return { user: Number(fields[11]), system: Number(fields[12]) };
}

function runQueueWaitNs(): number {
  return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]);
}

export function startLoadMeter(): { stop(): ProcessLoad } {
  const ticks = cpuTicks();
  const wait = runQueueWaitNs();
  const started = process.hrtime.bigint();
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loop.enable();
  return {
    stop: () => {
      loop.disable();
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const now = cpuTicks();
      const systemMs = ((now.system - ticks.system) * 1000) / USER_HZ;
      const cpuMs = ((now.user - ticks.user) * 1000) / USER_HZ + systemMs;
      return {
        cpuMs,
        systemMs,
        wallMs,
        cpuShare: cpuMs / wallMs,
        loopDelayMaxMs: Math.max(0, loop.max / 1e6 - LOOP_SAMPLE_MS),
        loopDelayP99Ms: Math.max(0, loop.percentile(99) / 1e6 - LOOP_SAMPLE_MS),
        runQueueWaitMs: (runQueueWaitNs() - wait) / 1e6,
      };
    },
  };
}
