import { request } from 'node:http';
import { connect } from 'node:net';
import { deadlineSignal, monotonicMs } from '../../core/deadline.js';
import { type GuestStatus, parseGuestStatus } from '../../protocols/guest-status/guest-status.js';

/** One observation of the guest's HTTP service, on the monotonic clock. */
export type ProbeSample =
  | { atMs: number; ok: true; status: GuestStatus }
  | { atMs: number; ok: false; error: string };

/** GET the guest's status page on a fresh connection (no keep-alive: an outage must show). */
export function fetchGuestStatus(
  url: string,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<GuestStatus> {
  const signal = deadlineSignal(opts.timeoutMs ?? 1_000, `GET ${url}`, opts.signal);
  return new Promise<GuestStatus>((resolve, reject) => {
    const req = request(url, { agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        const parsed = parseGuestStatus(body);
        if ('error' in parsed) reject(new Error(`GET ${url}: ${parsed.error}`));
        else resolve(parsed);
      });
    });
    req.on('error', (err) => reject(signal.aborted ? signal.reason : err));
    req.end();
  });
}

/** Sends `payload` to the guest's echo port and resolves with what came back. */
export function echoOnce(
  host: string,
  port: number,
  payload: string,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
) {
  const signal = deadlineSignal(opts.timeoutMs ?? 3_000, `echo via ${host}:${port}`, opts.signal);
  return new Promise<string>((resolve, reject) => {
    const socket = connect({ host, port });
    let received = '';
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (received.length >= payload.length) {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}

export async function probeOnce(url: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeSample> {
  const atMs = monotonicMs();
  try {
    const status = await fetchGuestStatus(url, { timeoutMs, ...(signal ? { signal } : {}) });
    return { atMs, ok: true, status };
  } catch (err) {
    return { atMs, ok: false, error: (err as Error).message };
  }
}

export interface ProbeSummary {
  samples: number;
  failures: number;
  /** Longest time between two successful answers: the outage a client saw. */
  longestGapMs: number;
  bootIds: string[];
  firstCounter: number | undefined;
  lastCounter: number | undefined;
  /** Each place where the counter went down between two answers (a lost write or a different disk). */
  counterDecreases: Array<{ from: number; to: number; atMs: number }>;
  lastError: string | undefined;
}

/** Judges a probe history; pure, so it is tested on synthetic histories. */
export function summarizeProbes(samples: readonly ProbeSample[]): ProbeSummary {
  let longestGapMs = 0;
  let previousOk: ProbeSample | undefined;
  let lastCounter: number | undefined;
  let firstCounter: number | undefined;
  let lastError: string | undefined;
  const bootIds: string[] = [];
  const counterDecreases: ProbeSummary['counterDecreases'] = [];
  let failures = 0;
  for (const sample of samples) {
    if (!sample.ok) {
      failures++;
      lastError = sample.error;
      continue;
    }
    if (previousOk) longestGapMs = Math.max(longestGapMs, sample.atMs - previousOk.atMs);
    previousOk = sample;
    const { bootId, counter } = sample.status;
    if (bootIds.at(-1) !== bootId) bootIds.push(bootId);
    if (lastCounter !== undefined && counter < lastCounter)
      counterDecreases.push({ from: lastCounter, to: counter, atMs: sample.atMs });
    firstCounter ??= counter;
    lastCounter = counter;
  }
  return {
    samples: samples.length,
    failures,
    longestGapMs,
    bootIds,
    firstCounter,
    lastCounter,
    counterDecreases,
    lastError,
  };
}
