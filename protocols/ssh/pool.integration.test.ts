import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { type HavocError, TimeoutError } from '../../core/errors.js';
import { type SshdPeer, startSshd } from '../../test/support/sshd-peer.js';
import { HostKeyError, SshCommandError, SshPool, type SshTarget } from './index.js';

// Against a real OpenSSH sshd on 127.0.0.1 with its default MaxSessions 10, so
// a pool that opened more than 10 channels at once would see sshd refuse them.
const run = promisify(execFile);
let sshd: SshdPeer;
let pool: SshPool;
let target: SshTarget;

beforeAll(async () => {
  sshd = await startSshd();
  target = {
    name: 'peer',
    address: '127.0.0.1',
    port: sshd.port,
    user: 'root',
    keyFile: sshd.clientKey,
    knownHostsFile: sshd.knownHosts,
  };
  pool = new SshPool();
});
afterAll(async () => {
  pool?.close();
  await sshd?.stop();
});

describe('SshPool against OpenSSH sshd', () => {
  it('runs a command and returns stdout, stderr and exit code; stdin reaches it', async () => {
    const r = await pool.exec(target, 'sh -s', {
      signal: deadlineSignal(10_000, 'exec'),
      stdin: 'echo out; echo err >&2; cat /proc/sys/kernel/hostname >/dev/null\n',
    });
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
  });

  it('a non-zero exit is an SshCommandError carrying stderr', async () => {
    const err = await pool
      .exec(target, 'echo boom >&2; exit 3', {
        signal: deadlineSignal(10_000, 'exec'),
        what: 'the failing test command',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshCommandError);
    expect((err as SshCommandError).exitCode).toBe(3);
    expect((err as Error).message).toBe('the failing test command on peer exited with 3: boom');
  });

  it('keeps one connection and queues beyond 8 channels: 24 concurrent commands all succeed on a MaxSessions 10 sshd', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        pool.exec(target, `sleep 0.2; echo ${i}`, { signal: deadlineSignal(30_000, 'exec') }),
      ),
    );
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 24 }, (_, i) => String(i)));
    const [stats] = pool.stats();
    expect(stats).toMatchObject({
      host: 'peer',
      connected: true,
      activeChannels: 0,
      queuedCommands: 0,
      peakChannels: 8,
    });
    // One TCP connection from us to sshd's port.
    const { stdout } = await run('ss', ['-Htn', 'state', 'established', `dst 127.0.0.1:${sshd.port}`]);
    expect(stdout.trim().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('a deadline aborts a running command at once; its slot is held until sshd closes the channel', async () => {
    const slow = Array.from({ length: 8 }, () =>
      pool
        .exec(target, 'sleep 3', { signal: deadlineSignal(300, 'the slow command') })
        .catch((e: unknown) => e),
    );
    const errors = await Promise.all(slow);
    for (const e of errors) {
      expect(e).toBeInstanceOf(TimeoutError);
      expect((e as Error).message).toBe('the slow command did not finish within 300 ms');
    }
    // sshd keeps a root session until its command exits (it refuses signals for root logins), and so does the pool.
    expect(pool.stats()[0]?.activeChannels).toBe(8);
    await pollUntil(
      async () => (pool.stats()[0]?.activeChannels === 0 ? true : undefined),
      deadlineSignal(20_000, 'slots released after the aborted commands ended'),
      { initialMs: 50, maxMs: 250 },
    );
    const again = await Promise.all(
      Array.from({ length: 8 }, () =>
        pool.exec(target, 'echo ok', { signal: deadlineSignal(10_000, 'exec') }),
      ),
    );
    expect(again.every((r) => r.stdout === 'ok\n')).toBe(true);
  });

  it('a waiter whose deadline passes while queued never runs', async () => {
    const marker = join(sshd.dir, 'queued-ran');
    const blockers = Array.from({ length: 8 }, () =>
      pool.exec(target, 'sleep 0.5', { signal: deadlineSignal(10_000, 'blocker') }),
    );
    const queued = await pool
      .exec(target, `touch ${marker}`, { signal: deadlineSignal(100, 'the queued command') })
      .catch((e: unknown) => e);
    await Promise.all(blockers);
    expect(queued).toBeInstanceOf(TimeoutError);
    expect(() => readFileSync(marker)).toThrow();
  });

  it('streams stdout of a command that runs until aborted (onStdout), and the abort ends it on the host', async () => {
    const marker = `havoc-stream-${process.pid}-${Date.now()}`;
    const lines: string[] = [];
    let text = '';
    const stop = new AbortController();
    const running = pool
      .exec(target, `i=0; while true; do i=$((i+1)); echo "${marker} $i"; sleep 0.1; done`, {
        signal: stop.signal,
        onStdout: (chunk) => {
          text += chunk;
          const parts = text.split('\n');
          text = parts.pop() ?? '';
          lines.push(...parts);
        },
      })
      .catch((e: unknown) => e);
    await pollUntil(
      async () => (lines.length >= 5 ? true : undefined),
      deadlineSignal(10_000, 'five lines'),
      {
        initialMs: 50,
        maxMs: 50,
      },
    );
    // The lines came while the command still ran: it never exits on its own.
    expect(lines.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((i) => `${marker} ${i}`));
    stop.abort(new Error('stream test done'));
    expect(((await running) as Error).message).toBe('stream test done');
    // sshd killed the session's process group: no shell of that loop is left.
    await pollUntil(
      async () => {
        const ps = await run('ps', ['-eo', 'args']);
        return ps.stdout.includes(marker) ? undefined : true;
      },
      deadlineSignal(10_000, 'the loop gone'),
      { initialMs: 100, maxMs: 200 },
    );
  });

  it('reconnects after the connection is lost', async () => {
    const pid = (
      await pool.exec(target, 'echo $PPID', { signal: deadlineSignal(10_000, 'exec') })
    ).stdout.trim();
    // Kill the sshd process that serves our connection (the shell's parent): the TCP connection dies.
    expect(Number(pid)).not.toBe(sshd.pid);
    process.kill(Number(pid), 'SIGKILL');
    const r = await pool.exec(target, 'echo back', {
      signal: deadlineSignal(15_000, 'exec after reconnect'),
    });
    expect(r.stdout).toBe('back\n');
  });

  it('refuses a changed host key, naming host and both fingerprints, and never runs the command', async () => {
    const wrongKnownHosts = join(sshd.dir, 'known_hosts_wrong');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(sshd.dir, 'other')]);
    const other = readFileSync(join(sshd.dir, 'other.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    writeFileSync(wrongKnownHosts, `[127.0.0.1]:${sshd.port} ${other}\n`);
    const marker = join(sshd.dir, 'ran-despite-key');
    const fresh = new SshPool();
    try {
      const err = await fresh
        .exec({ ...target, knownHostsFile: wrongKnownHosts }, `touch ${marker}`, {
          signal: deadlineSignal(10_000, 'exec'),
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostKeyError);
      expect((err as HostKeyError).code).toBe('host-key');
      expect((err as Error).message).toMatch(
        /^host key of peer \(127\.0\.0\.1:\d+\) CHANGED: seen ssh-ed25519 SHA256:\S+, expected ssh-ed25519 SHA256:\S+/,
      );
      expect(() => readFileSync(marker)).toThrow();
      // While backing off, the next command fails at once with the same reason.
      const again = await fresh
        .exec({ ...target, knownHostsFile: wrongKnownHosts }, 'true', {
          signal: deadlineSignal(10_000, 'exec'),
        })
        .catch((e: unknown) => e);
      expect((again as HavocError).code).toBe('host-key');
      expect((again as Error).message).toMatch(/CHANGED.*\(next attempt in \d+ ms\)/);
    } finally {
      fresh.close();
    }
  });

  it('a refused login is an auth error naming user, host and key file', async () => {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(sshd.dir, 'stranger')]);
    const fresh = new SshPool();
    try {
      const err = await fresh
        .exec({ ...target, keyFile: join(sshd.dir, 'stranger') }, 'true', {
          signal: deadlineSignal(10_000, 'exec'),
        })
        .catch((e: unknown) => e);
      expect((err as HavocError).code).toBe('auth');
      expect((err as Error).message).toContain(
        `SSH login as root to peer (127.0.0.1:${sshd.port}) was refused for key ${join(sshd.dir, 'stranger')}`,
      );
    } finally {
      fresh.close();
    }
  });
});
