import { type HttpProbeConfig, httpRequestText, judgeHttpAnswer, parseHttpAnswer } from './http-answer.js';
import type { Outcome } from './outcome.js';
import { exchange } from './socket-exchange.js';

/**
 * One GET on a fresh connection: status, optional body and JSON checks, the
 * guest's fields. Whole once the announced Content-Length has arrived or the
 * server closed (HTTP/1.0).
 */
export async function httpRequest(
  config: HttpProbeConfig,
  timeoutMs: number,
  signal: AbortSignal,
  connectTo: string = config.address,
): Promise<Outcome> {
  const r = await exchange(
    {
      address: connectTo,
      port: config.port,
      payload: httpRequestText(config),
      timeoutMs,
      complete: (received) => {
        const answer = parseHttpAnswer(received);
        return (
          answer !== undefined &&
          ('error' in answer || answer.body.length >= (answer.contentLength ?? Infinity))
        );
      },
    },
    signal,
  );
  const answer = parseHttpAnswer(r.received);
  if (!r.ok) return { ok: false, error: r.error, ...(r.answeredNs ? { answeredNs: r.answeredNs } : {}) };
  if (answer === undefined) {
    return {
      ok: false,
      answeredNs: r.answeredNs,
      error: `${config.address}:${config.port}: connection closed before a whole HTTP header`,
    };
  }
  if ('error' in answer) return { ok: false, answeredNs: r.answeredNs, error: answer.error };
  if (answer.contentLength !== undefined && answer.body.length < answer.contentLength) {
    return {
      ok: false,
      answeredNs: r.answeredNs,
      error: `${config.address}:${config.port}: connection closed after ${answer.body.length} of ${answer.contentLength} body bytes`,
    };
  }
  return { answeredNs: r.answeredNs, ...judgeHttpAnswer(answer, config) };
}
