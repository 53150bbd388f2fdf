/**
 * The QMP client against a real QEMU 7.2 (Debian qemu-system-x86), started
 * paused (-S) with no guest: the monitor is all that is exercised.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { QmpClient, QmpCommandError } from './client.js';

describe('QMP client against real QEMU (qemu-system-x86)', () => {
  let dir: string;
  let socket: string;
  let pid: number | undefined;

  beforeAll(() => {
    dir = tempDir('hvv-qmp-');
    socket = join(dir, 'qmp.sock');
    const pidFile = join(dir, 'qemu.pid');
    try {
      execFileSync('qemu-system-x86_64', [
        '-accel',
        'tcg',
        '-m',
        '64',
        '-nodefaults',
        '-display',
        'none',
        '-S',
        '-qmp',
        `unix:${socket},server=on,wait=off`,
        '-pidfile',
        pidFile,
        '-daemonize',
      ]);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new Error(
        missing ? 'qemu-system-x86_64 not found: install the Debian package qemu-system-x86' : String(err),
      );
    }
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  });

  afterAll(() => {
    if (pid !== undefined) {
      const cmdline = (() => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          return '';
        }
      })();
      if (cmdline.includes(socket)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates, runs commands, reports errors and delivers events', async () => {
    const client = await QmpClient.connect(socket, { target: 'test-qemu' });
    expect(client.greeting.version.qemu.major).toBeGreaterThanOrEqual(7);
    expect(await client.execute('query-status')).toMatchObject({ status: 'prelaunch', running: false });

    const error = await client.execute('no-such-command').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpCommandError);
    expect((error as QmpCommandError).errorClass).toBe('CommandNotFound');
    expect((error as Error).message).toContain('test-qemu');

    const resumed = client.waitForEvent('RESUME', { timeoutMs: 5_000 });
    await client.execute('cont');
    expect((await resumed).event).toBe('RESUME');

    const stream = new AbortController();
    const seen: string[] = [];
    const iterating = (async () => {
      for await (const event of client.events(stream.signal)) {
        seen.push(event.event);
        if (event.event === 'RESUME') stream.abort();
      }
    })();
    await client.execute('stop');
    await client.execute('cont');
    await iterating;
    expect(seen).toEqual(['STOP', 'RESUME']);

    // Replies are matched by id even when several commands are in flight.
    const [a, b] = await Promise.all([client.execute('query-status'), client.execute('query-name')]);
    expect(a).toMatchObject({ status: 'running' });
    expect(b).toEqual({});
    await client.close();
    await expect(client.execute('query-status')).rejects.toThrow(/cannot run query-status/);
  });

  it('gives up on a monitor held by another client within its deadline, naming the target', async () => {
    const holder = await QmpClient.connect(socket);
    try {
      await expect(QmpClient.connect(socket, { target: 'busy-qemu', timeoutMs: 800 })).rejects.toThrow(
        /no QMP greeting from busy-qemu.*within 800 ms/,
      );
    } finally {
      await holder.close();
    }
  });

  it('stops waiting when the caller aborts', async () => {
    const client = await QmpClient.connect(socket);
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    await expect(client.execute('query-status', undefined, { signal: controller.signal })).rejects.toThrow(
      'caller gave up',
    );
    await client.close();
  });

  it('names the socket when nothing listens there', async () => {
    await expect(QmpClient.connect(join(dir, 'absent.sock'), { target: 'gone-vm' })).rejects.toThrow(
      /cannot connect to QMP socket .*absent.sock of gone-vm: ENOENT/,
    );
  });

  it('fails the pending call and ends the event stream when QEMU quits', async () => {
    const client = await QmpClient.connect(socket);
    const shutdown = client.waitForEvent('SHUTDOWN');
    await client.execute('quit');
    expect((await shutdown).data).toMatchObject({ reason: 'host-qmp-quit' });
    await expect(client.execute('query-status', undefined, { timeoutMs: 2_000 })).rejects.toThrow(
      /QMP connection to .* (closed|lost)/,
    );
    pid = undefined;
  });
});
