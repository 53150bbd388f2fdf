import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * A real OpenSSH sshd on 127.0.0.1 for the SSH transport tests: its own host
 * key, client key and config in a temporary directory, stopped by its PID.
 */

const run = promisify(execFile);

export interface SshdPeer {
  dir: string;
  port: number;
  clientKey: string;
  hostKeyPub: string;
  knownHosts: string;
  pid: number;
  /** What sshd printed on stderr so far (-e: its log). */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export async function startSshd(opts: { maxSessions?: number } = {}): Promise<SshdPeer> {
  if (!existsSync('/usr/sbin/sshd'))
    throw new Error('/usr/sbin/sshd not found: install the Debian package openssh-server');
  if (process.getuid?.() !== 0)
    throw new Error('starting sshd needs root (run the integration tests as root)');
  const dir = tempDir('havoc-sshd-');
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const clientKey = join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'havoc-test-host', '-f', hostKey]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'havoc-test-client', '-f', clientKey]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const port = await freePort();
  const hostKeyPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKeyPub}\n`);
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PidFile none',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      `MaxSessions ${opts.maxSessions ?? 10}`,
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await pollUntil(
      async () =>
        child.exitCode !== null
          ? Promise.reject(new Error(`sshd exited: ${stderr}`))
          : (await accepts(port)) || undefined,
      deadlineSignal(10_000, 'test sshd listening'),
      { initialMs: 20, maxMs: 200 },
    );
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  return {
    dir,
    port,
    clientKey,
    hostKeyPub,
    knownHosts,
    pid: child.pid ?? 0,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
