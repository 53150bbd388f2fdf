import { existsSync, rmSync } from 'node:fs';
import { abortableSleep, monotonicMs } from '../core/deadline.js';
import { HavocError } from '../core/errors.js';
import { execProgram } from '../core/exec.js';
import { checkLabName } from './names.js';
import { labStateDir } from './paths.js';
import { isRunning, netnsInode, processNetnsInode } from './process-identity.js';
import { readLabState } from './state.js';

export interface LabDownOptions {
  name: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

export interface LabDownResult {
  name: string;
  existed: boolean;
  killed: number;
  namespaces: string[];
  links: string[];
  downMs: number;
}

/** PIDs whose network namespace is the named one (the kernel's view, not a process name). */
async function pidsInNetns(ns: string, signal: AbortSignal): Promise<number[]> {
  const inode = netnsInode(ns);
  if (inode === undefined) return [];
  const { stdout } = await execProgram(['ip', 'netns', 'pids', ns], { signal, allowFailure: true });
  return stdout
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number)
    .filter((pid) => processNetnsInode(pid) === inode);
}

/**
 * Removes exactly what the lab's state recorded: its processes (by recorded
 * PID and start time, and every process inside its recorded namespaces, which
 * covers daemons spawned just before a crash), its root-namespace links, its
 * namespaces, and finally its state directory. Safe to run twice and after
 * `lab up` was killed at any point.
 */
export async function labDown(opts: LabDownOptions): Promise<LabDownResult> {
  const started = monotonicMs();
  const name = checkLabName(opts.name);
  const dir = labStateDir(name, opts.env);
  const state = readLabState(dir);
  if (!state) {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    return {
      name,
      existed: false,
      killed: 0,
      namespaces: [],
      links: [],
      downMs: Math.round(monotonicMs() - started),
    };
  }

  const victims = new Set<number>();
  for (const p of state.processes) {
    if (
      p.pid !== undefined &&
      p.startTime !== undefined &&
      isRunning({ pid: p.pid, startTime: p.startTime })
    ) {
      const ns = netnsInode(p.netns);
      if (ns === undefined || processNetnsInode(p.pid) === ns) victims.add(p.pid);
    }
  }
  for (const ns of state.namespaces) {
    for (const pid of await pidsInNetns(ns, opts.signal)) victims.add(pid);
  }
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Namespaces are freed once their last process is gone; wait for that, briefly.
  const until = monotonicMs() + 3000;
  for (;;) {
    const left: number[] = [];
    for (const ns of state.namespaces) left.push(...(await pidsInNetns(ns, opts.signal)));
    if (left.length === 0) break;
    if (monotonicMs() > until) {
      throw new HavocError('lab', `processes ${left.join(', ')} of lab "${name}" survived SIGKILL`, {
        hint: 'they may be stuck in the kernel (D state); check `ps -o pid,stat,wchan -p PIDS` and run `havoc lab down` again',
      });
    }
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await abortableSleep(20, opts.signal);
  }

  const links: string[] = [];
  for (const link of state.rootLinks) {
    const { code } = await execProgram(['ip', 'link', 'del', link], {
      signal: opts.signal,
      allowFailure: true,
    });
    if (code === 0) links.push(link);
  }
  const namespaces: string[] = [];
  for (const ns of state.namespaces) {
    if (netnsInode(ns) === undefined) continue;
    await execProgram(['ip', 'netns', 'del', ns], { signal: opts.signal });
    namespaces.push(ns);
  }
  rmSync(dir, { recursive: true, force: true });
  return {
    name,
    existed: true,
    killed: victims.size,
    namespaces,
    links,
    downMs: Math.round(monotonicMs() - started),
  };
}
