import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { HavocError } from '../core/errors.js';
import { inNetns } from '../core/exec.js';
import { identify } from './process-identity.js';
import type { LabStateStore } from './state.js';

export interface DaemonSpec {
  role: string;
  netns: string;
  argv: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a long-running program in a lab namespace, detached from the CLI
 * (its own session, output to a log file), recording it in the state before
 * and after the spawn. `ip netns exec` execs the program, so the spawned PID
 * is the daemon's.
 */
export function startDaemon(store: LabStateStore, spec: DaemonSpec): number {
  const spawned = recordProcess(store, spec.role, spec.netns);
  const fd = openSync(spec.logFile, 'a', 0o600);
  try {
    const argv = inNetns(spec.netns, spec.argv);
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: spec.env ?? process.env,
    });
    // A failed exec surfaces in the readiness checks, which name the daemon.
    child.on('error', () => {});
    const pid = child.pid;
    if (pid === undefined) throw new HavocError('lab', `cannot start ${spec.role} (${spec.argv[0]})`);
    child.unref();
    spawned(pid);
    return pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Records a process in the lab's state before it is spawned (role and
 * namespace: `lab down` then finds it through the namespace even if `lab up`
 * dies before the spawn returns), and returns what completes the record with
 * its PID and start time once it runs. For processes started by other code,
 * such as the BMCs (lab/ipmi-sim.ts).
 */
export function recordProcess(store: LabStateStore, role: string, netns: string): (pid: number) => void {
  const index = store.state.processes.length;
  store.update((s) => {
    s.processes.push({ role, netns });
  });
  return (pid) => {
    const id = identify(pid);
    store.update((s) => {
      const rec = s.processes[index]!;
      rec.pid = pid;
      if (id) rec.startTime = id.startTime;
    });
  };
}
