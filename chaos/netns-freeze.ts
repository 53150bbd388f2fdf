import { abortableSleep } from '../core/deadline.js';
import { HavocError } from '../core/errors.js';
import { netnsInode, processesInNetns, processNetnsInode, readProcStat } from '../core/proc.js';

/*
 * Freezing and thawing every process of one network namespace of this
 * station (a lab host's), by signals sent from here: SIGSTOP leaves a process
 * in state T until SIGCONT, and SIGKILL (a fence's power-off) still kills it.
 */

/** States that need no SIGSTOP: stopped (T), traced (t), dead (Z, X). */
const NOT_RUNNING = new Set(['T', 't', 'Z', 'X']);
const ROUNDS = 20;

export interface NetnsProcess {
  pid: number;
  state: string;
}

/** The namespace's inode, refusing the station's own namespace (a freeze there would stop havoc itself). */
export function freezableNetns(name: string): number {
  const inode = netnsInode(name);
  if (inode === undefined)
    throw new HavocError(
      'config',
      `network namespace ${name} does not exist on this station (no /run/netns/${name})`,
    );
  if (inode === processNetnsInode(process.pid) || inode === processNetnsInode(1)) {
    throw new HavocError(
      'config',
      `network namespace ${name} is this station's own: freezing it would stop havoc and the station`,
    );
  }
  return inode;
}

/** Every process of the namespace now, with its state letter from /proc/PID/stat. */
export function netnsProcesses(inode: number): NetnsProcess[] {
  return processesInNetns(inode).flatMap((pid) => {
    const stat = readProcStat(pid);
    return stat ? [{ pid, state: stat.state }] : [];
  });
}

/**
 * SIGSTOP to every process of the namespace, again for any that started in
 * the meantime (a fork between the listing and the signal), until none is
 * left running. Returns how many were stopped.
 */
export async function freezeNetns(name: string, signal: AbortSignal): Promise<number> {
  const inode = freezableNetns(name);
  const stopped = new Set<number>();
  for (let round = 0; round < ROUNDS; round++) {
    const running = netnsProcesses(inode).filter((p) => !NOT_RUNNING.has(p.state));
    if (running.length === 0) return stopped.size;
    for (const p of running) {
      if (send(p.pid, 'SIGSTOP', inode)) stopped.add(p.pid);
    }
    // A stop is delivered asynchronously: give the states a moment to read T before looking again.
    await abortableSleep(20, signal);
  }
  const left = netnsProcesses(inode).filter((p) => !NOT_RUNNING.has(p.state));
  if (left.length === 0) return stopped.size;
  throw new HavocError(
    'inject',
    `${left.length} processes of network namespace ${name} still run after ${ROUNDS} rounds of SIGSTOP (${left
      .slice(0, 5)
      .map((p) => `${p.pid} ${p.state}`)
      .join(', ')})`,
  );
}

/** SIGCONT to every process of the namespace; a namespace that is gone has nothing to thaw. */
export function thawNetns(name: string): number {
  const inode = netnsInode(name);
  if (inode === undefined) return 0;
  let n = 0;
  for (const p of netnsProcesses(inode)) if (send(p.pid, 'SIGCONT', inode)) n++;
  return n;
}

/** Signals a PID only if it still lives in the namespace (a PID reused elsewhere is left alone). */
function send(pid: number, sig: NodeJS.Signals, inode: number): boolean {
  if (processNetnsInode(pid) !== inode) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
