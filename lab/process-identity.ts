import { readProcStat } from '../core/proc.js';

/**
 * A process as the lab recorded it: PID plus its start time (in clock ticks
 * since boot, from /proc/PID/stat), so a PID that was reused by an unrelated
 * process is never mistaken for ours.
 */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

export { netnsInode, processNetnsInode, readProcStat } from '../core/proc.js';

export function identify(pid: number): ProcessIdentity | undefined {
  const stat = readProcStat(pid);
  return stat ? { pid, startTime: stat.startTime } : undefined;
}

/** True while the recorded process still runs (a zombie has already died). */
export function isRunning(p: ProcessIdentity): boolean {
  const stat = readProcStat(p.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === p.startTime;
}
