import { readFileSync, writeFileSync } from 'node:fs';

/*
 * Resident memory of another process, from /proc/PID/status: VmRSS now and
 * VmHWM, the peak since the last reset. Writing 5 to /proc/PID/clear_refs
 * resets the peak (Linux 4.0+, root or the process' owner), so the peak of
 * one phase is exact, not the largest of a few samples.
 */

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (!kb) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kb);
}

export function rssMiB(pid: number): number {
  return statusKiB(pid, 'VmRSS') / 1024;
}

/** Peak RSS since the last resetPeak() (or since the process started). */
export function peakMiB(pid: number): number {
  return statusKiB(pid, 'VmHWM') / 1024;
}

export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
