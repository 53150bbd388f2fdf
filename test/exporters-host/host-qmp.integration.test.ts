import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { hostScript } from '../../exporters/collectors/host-script.js';
import { splitSections } from '../../exporters/collectors/host-sections.js';
import { hostSnapshot } from '../../exporters/collectors/host-snapshot.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * The host script's QMP path against a real QEMU (Debian qemu-system-x86):
 * a machine-less QEMU started with -S (RunState "prelaunch") and a -qmp unix
 * socket, found by the script in /proc and asked query-status through perl.
 */

let dir: string;
let qemu: ChildProcess;

beforeAll(async () => {
  if (!existsSync('/usr/bin/qemu-system-x86_64'))
    throw new Error('qemu-system-x86_64 not found: install the Debian package qemu-system-x86');
  dir = tempDir('havoc-qmp-');
  const sock = join(dir, 'qmp.sock');
  qemu = spawn(
    '/usr/bin/qemu-system-x86_64',
    [
      '-name',
      'guest=qmpvm,debug-threads=on',
      '-machine',
      'none',
      '-smp',
      '1',
      '-m',
      '64',
      '-nographic',
      '-nodefaults',
      '-S',
      '-qmp',
      `unix:${sock},server=on,wait=off`,
    ],
    { stdio: 'ignore' },
  );
  await pollUntil(
    async () => (existsSync(sock) ? true : undefined),
    deadlineSignal(15_000, 'QEMU QMP socket'),
    { initialMs: 20, maxMs: 200 },
  );
});
afterAll(() => {
  if (qemu?.exitCode === null) qemu.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('host script QMP source against a real QEMU', () => {
  it('finds the QEMU by its -qmp argument and reports it paused in RunState prelaunch, with vCPUs and memory', async () => {
    const expected = {
      name: 'qmpvm',
      source: 'qemu',
      state: 'paused',
      reason: 'prelaunch',
      stuck: false,
      vcpus: 1,
      memoryBytes: 64 * 2 ** 20,
    };
    // QEMU may not answer QMP within the script's 2 s alarm on a loaded machine: scrape again until it does.
    // Other QEMUs on the machine (other labs) are reported too; this one must be among them.
    const vms = await pollUntil(
      async () => {
        const out = execFileSync('sh', ['-s'], { input: hostScript([]), timeout: 30_000 }).toString();
        const found = hostSnapshot(splitSections(out, 'local')).vms;
        return found.some((vm) => vm.name === 'qmpvm') ? found : undefined;
      },
      deadlineSignal(30_000, 'the host script finding QEMU qmpvm'),
      { initialMs: 200, maxMs: 1000 },
    );
    expect(vms).toContainEqual(expected);
  });
});
