import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { wallMinusMonoNs } from '../../chaos/probes/icmp.js';
import { nowNs } from '../../chaos/probes/sample.js';
import { pollUntil } from '../../core/deadline.js';

/*
 * The ground truth for probe tests: every packet between a namespace and one
 * peer dropped for an exact time. The rules go in havoc's own table INSIDE
 * the lab namespace that carries the traffic, in one atomic `nft -f -`
 * (installed ahead, deleted afterwards), never in the root namespace.
 *
 * nft itself takes 5-40 ms from its input to its exit on this loaded
 * machine (measured: see README), so the time a rule is committed is known
 * only to that. The window is therefore timed by the kernel: the rules match
 * `meta time` (the packet's CLOCK_REALTIME in ns) between two instants we
 * pick on our monotonic clock and move to the wall clock. nft's parser only
 * takes whole seconds, which it multiplies by 1e9 in 64 bits; the seconds
 * value whose product wraps to the wanted nanosecond (to 512 ns, the factor
 * 2^9 of 1e9) is passed instead, and `--debug=netlink` shows the bytes the
 * kernel got, which are checked, so a nft that parses differently fails
 * loudly rather than dropping at another time.
 */

export const TABLE = 'havoc';

export interface TimedDrop {
  /** The window on the monotonic clock (ns), exact to 512 ns plus the wall/monotonic offset's error. */
  startNs: bigint;
  endNs: bigint;
  truthNs: bigint;
  /** How long nft took from its input to its exit, installing and deleting (for the report). */
  installMs: number;
  deleteMs: number;
}

const NS_PER_S = 1_000_000_000n;
const MASK64 = (1n << 64n) - 1n;
const ODD_PART = 1_953_125n; // 1e9 = 2^9 * 5^9

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

/** The "seconds" nft multiplies by 1e9 (mod 2^64) into `wallNs`, rounded down to 512 ns. */
export function nftTimeOperand(wallNs: bigint): { operand: bigint; ns: bigint } {
  const units = wallNs >> 9n;
  const operand = (units * modInverse(ODD_PART, 1n << 55n)) % (1n << 55n);
  return { operand, ns: (operand * NS_PER_S) & MASK64 };
}

/** The 8 bytes of a meta time comparison as `nft --debug=netlink` prints them (two host-order words of a big-endian u64). */
export function netlinkWords(ns: bigint): string {
  const be = Buffer.alloc(8);
  be.writeBigUInt64BE(ns);
  return `0x${be.readUInt32LE(0).toString(16).padStart(8, '0')} 0x${be.readUInt32LE(4).toString(16).padStart(8, '0')}`;
}

export function dropRules(peer: string, from: bigint, until: bigint): string {
  const when = `meta time >= ${from} meta time < ${until}`;
  // Adding then deleting the table first clears anything an earlier, killed run left behind.
  return [
    `add table inet ${TABLE}`,
    `delete table inet ${TABLE}`,
    `table inet ${TABLE} {`,
    `  chain input { type filter hook input priority -10; policy accept; ${when} ip saddr ${peer} drop; }`,
    `  chain output { type filter hook output priority -10; policy accept; ${when} ip daddr ${peer} drop; }`,
    '}',
    '',
  ].join('\n');
}

interface ReadyNft {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** `nft -f -` in the namespace, polled until it is nft itself sleeping on its input. */
async function readyNft(netns: string, signal: AbortSignal, args: string[] = []): Promise<ReadyNft> {
  if (!netns) throw new Error('nft-drop: a lab namespace is required (never the root namespace)');
  const child = spawn('ip', ['netns', 'exec', netns, 'nft', ...args, '-f', '-'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  const pid = child.pid!;
  await pollUntil(
    async () => {
      try {
        const exe = readlinkSync(`/proc/${pid}/exe`);
        const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
        return exe.endsWith('/nft') && state === 'S' ? true : undefined;
      } catch {
        return undefined;
      }
    },
    signal,
    { initialMs: 2, maxMs: 10 },
  );
  return { child, exited };
}

async function hand(nft: ReadyNft, text: string, what: string): Promise<{ ms: number; output: string }> {
  const handedNs = nowNs();
  nft.child.stdin!.end(text);
  const { code, stdout, stderr } = await nft.exited;
  const ms = Number(nowNs() - handedNs) / 1e6;
  if (code !== 0) throw new Error(`nft ${what} failed (exit ${code}): ${stderr.trim()}`);
  return { ms, output: stdout + stderr };
}

/** Removes havoc's table from the namespace if it is there (after a failed run). */
export async function clearDrop(netns: string, signal: AbortSignal): Promise<void> {
  const nft = await readyNft(netns, signal);
  await hand(nft, `add table inet ${TABLE}\ndelete table inet ${TABLE}\n`, 'clear');
}

/**
 * Drops `peer`'s traffic in `netns` for exactly `ms`, starting `leadMs` from
 * now (time for nft to install the rules first), and deletes the rules once
 * the window has passed.
 */
export async function dropFor(
  netns: string,
  peer: string,
  ms: number,
  signal: AbortSignal,
  leadMs = 500,
): Promise<TimedDrop> {
  // nft is started first: on a loaded machine its start-up alone was measured past a 500 ms lead.
  const install = await readyNft(netns, signal, ['--debug=netlink']);
  const offset = wallMinusMonoNs();
  const wanted = nowNs() + BigInt(leadMs) * 1_000_000n;
  const from = nftTimeOperand(wanted + offset);
  const until = nftTimeOperand(wanted + offset + BigInt(ms) * 1_000_000n);
  const startNs = from.ns - offset;
  const endNs = until.ns - offset;
  const installed = await hand(install, dropRules(peer, from.operand, until.operand), 'drop').catch(
    async (err) => {
      await clearDrop(netns, AbortSignal.timeout(10_000)).catch(() => undefined);
      throw err;
    },
  );
  const remove = async () =>
    hand(await readyNft(netns, AbortSignal.timeout(10_000)), `delete table inet ${TABLE}\n`, 'delete');
  try {
    for (const [name, ns] of [
      ['start', from.ns],
      ['end', until.ns],
    ] as const) {
      if (!installed.output.includes(netlinkWords(ns))) {
        throw new Error(
          `nft did not encode the drop's ${name} as ${ns} ns (meta time): ${installed.output.slice(0, 400)}`,
        );
      }
    }
    if (nowNs() >= startNs)
      throw new Error(`nft took ${installed.ms.toFixed(1)} ms, past the drop's start: raise leadMs`);
    await sleep(Number(endNs - nowNs()) / 1e6 + 50, undefined, { signal });
  } catch (err) {
    await remove().catch(() => undefined);
    throw err;
  }
  const removed = await remove();
  return { startNs, endNs, truthNs: endNs - startNs, installMs: installed.ms, deleteMs: removed.ms };
}
