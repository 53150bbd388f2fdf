import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import { Client } from 'ssh2';
import { knownHostKey } from '../../lab/status.js';

/*
 * Small clients the lab tests use to talk to the lab's real daemons: ssh2
 * against sshd, ping inside a host namespace, the kernel's view of links,
 * namespaces and processes.
 */

const run = promisify(execFile);

/** Runs a command over SSH, accepting only the host key the lab's known_hosts lists for `host`. */
export function sshExec(
  o: { address: string; host: string; keyFile: string; knownHostsFile: string },
  command: string,
  timeoutMs = 5000,
): Promise<{ stdout: string; hostKey: string }> {
  const expected = knownHostKey(o.knownHostsFile, o.host);
  if (!expected) throw new Error(`known_hosts has no key for ${o.host}`);
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seen = '';
    const timer = setTimeout(() => {
      client.end();
      reject(new Error(`ssh to ${o.host} timed out`));
    }, timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      client.end();
      reject(err);
    };
    client.on('error', fail);
    client.on('ready', () => {
      client.exec(command, (err, stream) => {
        if (err) return fail(err);
        let out = '';
        stream.on('data', (d: Buffer) => {
          out += d.toString();
        });
        stream.stderr.on('data', () => {});
        stream.on('close', () => {
          clearTimeout(timer);
          client.end();
          resolve({ stdout: out, hostKey: seen });
        });
      });
    });
    client.connect({
      host: o.address,
      port: 22,
      username: 'root',
      privateKey: readFileSync(o.keyFile),
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seen = key.toString('base64');
        return seen === expected;
      },
    });
  });
}

/** One ICMP echo from inside a namespace; true if answered within a second. */
export async function pingFrom(netns: string, address: string): Promise<boolean> {
  try {
    await run('ip', ['netns', 'exec', netns, 'ping', '-n', '-q', '-c', '1', '-W', '1', address]);
    return true;
  } catch {
    return false;
  }
}

export async function netnsNames(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

export async function rootLinkNames(): Promise<string[]> {
  const { stdout } = await run('ip', ['-j', 'link', 'show']);
  return (JSON.parse(stdout) as { ifname: string }[]).map((l) => l.ifname);
}

/** PIDs of processes whose command line mentions `fragment` (e.g. a lab's state directory). */
export function pidsMentioning(fragment: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(fragment)) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** PIDs living in a network namespace, by its inode (stable even after the name is gone). */
export function pidsInNetnsInode(inode: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/net`) === `net:[${inode}]`) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
