import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/*
 * Processes as /proc shows them, for the lab (its recorded processes) and
 * for chaos (the processes of a host's network namespace).
 */

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

/** Every process whose network namespace is the one with this inode (what `ip netns pids` lists). */
export function processesInNetns(inode: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (processNetnsInode(pid) === inode) pids.push(pid);
  }
  return pids;
}
