import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LedgerFault, readLedger } from '../../chaos/ledger/reader.js';
import { pollUntil } from '../../core/deadline.js';

const HAVOC = join(import.meta.dirname, '..', '..', 'cli', 'havoc.ts');
const run = promisify(execFile);

/** The havoc CLI as a child process (from source, through tsx), as a user or a test killing it runs it. */
export function spawnHavoc(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): ChildProcess & {
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', HAVOC, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return Object.assign(child, { done });
}

export async function havocChild(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return spawnHavoc(args, env).done;
}

/** Waits until the ledger holds a fault whose history satisfies `check`. */
export function waitForFault(
  ledgerDir: string,
  check: (f: LedgerFault) => boolean,
  timeoutMs = 120_000,
): Promise<LedgerFault> {
  return pollUntil(async () => readLedger(ledgerDir).faults.find(check), AbortSignal.timeout(timeoutMs), {
    initialMs: 50,
    maxMs: 500,
  });
}

/** The one-letter state of a process (R, S, T for stopped, Z), or undefined once it is gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

export async function waitForState(
  pid: number,
  wanted: (state: string | undefined) => boolean,
  timeoutMs = 120_000,
) {
  await pollUntil(
    async () => (wanted(processState(pid)) ? true : undefined),
    AbortSignal.timeout(timeoutMs),
    { initialMs: 50, maxMs: 500 },
  );
}

/** Runs a command inside a lab namespace, as an observer independent of havoc's SSH. */
export async function inNetns(
  netns: string,
  argv: readonly string[],
): Promise<{ code: number; stdout: string }> {
  try {
    const r = await run('ip', ['netns', 'exec', netns, ...argv], { timeout: 30_000 });
    return { code: 0, stdout: r.stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '' };
  }
}
