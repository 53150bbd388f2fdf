import { readFileSync, readlinkSync, statSync } from 'node:fs';

/**
 * A process as the lab recorded it: PID plus its start time (in clock ticks
 * since boot, from /proc/PID/stat), so a PID that was reused by an unrelated
 * process is never mistaken for ours.
 */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** Start time and state of a live process, or undefined if it is gone. */
export function readProcStat(pid: number): { startTime: string; state: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[19];
  if (state === undefined || startTime === undefined) return undefined;
  return { startTime, state };
}

export function identify(pid: number): ProcessIdentity | undefined {
  const stat = readProcStat(pid);
  return stat ? { pid, startTime: stat.startTime } : undefined;
}

/** True while the recorded process still runs (a zombie has already died). */
export function isRunning(p: ProcessIdentity): boolean {
  const stat = readProcStat(p.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === p.startTime;
}

/** The inode of a named network namespace, or undefined if it does not exist. */
export function netnsInode(name: string): number | undefined {
  try {
    return statSync(`/run/netns/${name}`).ino;
  } catch {
    return undefined;
  }
}

/** The network namespace inode a process lives in. */
export function processNetnsInode(pid: number): number | undefined {
  try {
    const link = readlinkSync(`/proc/${pid}/ns/net`);
    const m = /^net:\[(\d+)\]$/.exec(link);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
