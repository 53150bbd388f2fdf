import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { readProcStat } from '../core/proc.js';
import { tempDir } from '../test/support/temp-dir.js';
import { findScript, parseDaemonLines, signalScript, stateScript } from './storage-daemon.js';

/*
 * The storage daemon scripts run by this machine's sh against a real
 * process of this machine: a copy of sleep under a name nothing else runs,
 * so the program scan finds only it. What they print is parsed by the
 * function storage-loss uses.
 */

const sh = (script: string) => parseDaemonLines(execFileSync('sh', ['-c', script], { encoding: 'utf8' }));
let child: ChildProcess | undefined;

afterEach(() => {
  if (child?.pid !== undefined && child.exitCode === null) {
    process.kill(child.pid, 'SIGCONT');
    child.kill('SIGKILL');
  }
});

function startDaemon(): { pid: number; dir: string; program: string } {
  const dir = tempDir('havoc-storage-daemon-');
  const program = `havoc-nbd-${process.pid}`;
  copyFileSync('/bin/sleep', join(dir, program));
  execFileSync('chmod', ['+x', join(dir, program)]);
  child = spawn(join(dir, program), ['60'], { stdio: 'ignore' });
  return { pid: child.pid!, dir, program };
}

it('finds the daemon by program (argv[0] base name), records PID and start time, stops and continues it', () => {
  const { pid, program } = startDaemon();
  // With netns set, only processes of sh's own network namespace count: the child shares it.
  const found = sh(findScript({ program, netns: 'this-one' }));
  expect(found.errors).toEqual([]);
  expect(found.procs.map((p) => p.pid)).toEqual([pid]);
  const rec = found.procs.map(({ pid: p, startTime }) => ({ pid: p, startTime }));
  expect(rec[0]!.startTime).toBe(readProcStat(pid)!.startTime);

  expect(sh(signalScript(rec, 'STOP')).sent).toEqual([pid]);
  expect(sh(stateScript(rec)).states.get(pid)).toBe('T');
  expect(readProcStat(pid)!.state).toBe('T');
  expect(sh(signalScript(rec, 'CONT')).sent).toEqual([pid]);
  expect(sh(stateScript(rec)).states.get(pid)).toMatch(/^[SR]$/);
});

it('never signals a PID whose start time is not the recorded one (a reused PID), and says it is gone', () => {
  const { pid } = startDaemon();
  const other = [{ pid, startTime: '1' }];
  expect(sh(signalScript(other, 'STOP'))).toMatchObject({ sent: [], gone: [pid] });
  expect(readProcStat(pid)!.state).not.toBe('T');
  expect(sh(stateScript(other))).toMatchObject({ gone: [pid] });
});

it('reads a PID file, checks the program it names, and says what is wrong with a missing or stale one', () => {
  const { pid, dir, program } = startDaemon();
  const pidFile = join(dir, 'nbd.pid');
  writeFileSync(pidFile, `${pid}\n`);
  expect(sh(findScript({ pidFile, program })).procs.map((p) => p.pid)).toEqual([pid]);
  expect(sh(findScript({ pidFile, program: 'tgtd' })).errors).toEqual([
    `PID ${pid} of ${pidFile} runs ${program}, not tgtd`,
  ]);
  expect(sh(findScript({ pidFile: join(dir, 'none.pid') })).errors[0]).toMatch(
    /^cannot read PID file .*none\.pid: cat: .*No such file/,
  );
  writeFileSync(pidFile, 'garbage\n');
  expect(sh(findScript({ pidFile })).errors).toEqual([`PID file ${pidFile} holds no PID`]);
  // PID 2 is kthreadd on Linux: a kernel thread ignores SIGSTOP (the kernel NFS server, LIO iSCSI).
  writeFileSync(pidFile, '2\n');
  expect(sh(findScript({ pidFile })).errors).toEqual([
    `PID 2 of ${pidFile} is a kernel thread: a signal does not stop it`,
  ]);
});

it('takes the inventory names as values: a PID file path with quotes and $(...) is named, never run', () => {
  const dir = tempDir('havoc-storage-daemon-');
  // Were the path spliced into the script, the shell would print "injected" where the path's $(...) stands.
  const pidFile = join(dir, `odd "name" $(echo injected) 'x'.pid`);
  writeFileSync(pidFile, 'garbage\n');
  expect(sh(findScript({ pidFile, program: 'nbd-server' })).errors).toEqual([
    `PID file ${pidFile} holds no PID`,
  ]);
});
