import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';

/** The pids of a process and all its descendants, read from /proc/PID/task/TID/children. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    out.push(p);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return; // exited meanwhile
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.trim().split(/\s+/).filter(Boolean)) visit(Number(c));
    }
  };
  visit(pid);
  return out;
}

/** The argument lists (NUL-separated in /proc, joined with spaces here) of a process tree now. */
export function treeCmdlines(pid: number): string[] {
  return processTree(pid).flatMap((p) => {
    try {
      return [readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ')];
    } catch {
      return [];
    }
  });
}

export interface WatchedProcess {
  child: ChildProcess;
  /** Every argument list seen in the process tree, sampled every 20 ms while it ran. */
  cmdlines: Set<string>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal) once the process has exited. */
  exited: Promise<number | NodeJS.Signals>;
}

/**
 * Starts a program and samples /proc/PID/cmdline of it and every process it
 * starts until it exits, so a test can show that no secret was ever in an
 * argument list (where any user on the machine can read it).
 */
export function spawnWatched(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {},
): WatchedProcess {
  const child = spawn(command, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  child.stdin?.end(opts.stdin ?? '');
  const cmdlines = new Set<string>();
  const sample = () => {
    if (child.pid !== undefined) for (const c of treeCmdlines(child.pid)) cmdlines.add(c);
  };
  sample();
  const timer = setInterval(sample, 20);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => {
      clearInterval(timer);
      resolve(code ?? (signal as NodeJS.Signals));
    });
  });
  return {
    child,
    cmdlines,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    exited,
  };
}

/** The first match of `pattern` in the process's stderr, polled under a deadline; fails if it exits first. */
export function awaitStderr(
  p: WatchedProcess,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<RegExpExecArray> {
  return pollUntil(
    async () => {
      const match = pattern.exec(p.stderr());
      if (match) return match;
      if (p.child.exitCode !== null)
        throw new Error(`exited (${p.child.exitCode}) before ${pattern}: ${p.stderr()}`);
      return undefined;
    },
    deadlineSignal(timeoutMs, `${pattern} on stderr`),
    { initialMs: 20, maxMs: 200 },
  );
}
