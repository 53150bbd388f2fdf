import { connect } from 'node:net';
import { nowNs } from './sample.js';

/** An answer bigger than this is cut here: a probe reads a status page, not a download. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface Exchange {
  address: string;
  port: number;
  /** Written once connected; nothing is written when absent (a bare connect). */
  payload?: string;
  timeoutMs: number;
  /** Returns true once `received` is a whole answer; the connection is then closed. */
  complete(received: string): boolean;
}

export type ExchangeResult =
  | { ok: true; answeredNs: bigint; received: string }
  | { ok: false; answeredNs?: bigint; received: string; error: string };

/**
 * One fresh TCP connection (never reused: an outage must show), the payload,
 * and the answer until `complete` says it is whole, the peer closes, or the
 * timeout. Never rejects: a failure is a result, with what went wrong. The
 * signal stops it early (the run was cancelled).
 */
export function exchange(ex: Exchange, signal: AbortSignal): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const where = `${ex.address}:${ex.port}`;
    const socket = connect({ host: ex.address, port: ex.port, noDelay: true });
    let received = '';
    let settled = false;
    const finish = (r: ExchangeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const fail = (error: string, answered = false) =>
      finish({ ok: false, received, error, ...(answered ? { answeredNs: nowNs() } : {}) });
    const onAbort = () => fail(`${where}: probe stopped before an answer`);
    const timer = setTimeout(
      () => fail(`${where}: no ${received ? 'whole ' : ''}answer within ${ex.timeoutMs} ms`),
      ex.timeoutMs,
    );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('latin1');
    socket.on('connect', () => {
      if (ex.payload === undefined) finish({ ok: true, answeredNs: nowNs(), received });
      else socket.write(ex.payload);
    });
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (ex.complete(received) || received.length >= MAX_ANSWER_BYTES)
        finish({ ok: true, answeredNs: nowNs(), received });
    });
    socket.on('end', () => finish({ ok: true, answeredNs: nowNs(), received }));
    socket.on('error', (err: NodeJS.ErrnoException) => fail(`${where}: ${err.code ?? err.message}`));
  });
}
