import { type HttpProbeConfig, httpRequestText, judgeHttpAnswer, parseHttpAnswer } from './http-answer.js';
import type { Outcome, ProbeRequest } from './outcome.js';
import { type ExchangeResult, exchange } from './socket-exchange.js';

/** Whole once the announced Content-Length has arrived (or the header is not HTTP); else at the server's close (HTTP/1.0). */
function answerIsWhole(received: Buffer): boolean {
  if (received.indexOf('\r\n\r\n') < 0) return false;
  const answer = parseHttpAnswer(received.toString('latin1'));
  return (
    answer !== undefined && ('error' in answer || answer.body.length >= (answer.contentLength ?? Infinity))
  );
}

function httpOutcome(r: ExchangeResult, config: HttpProbeConfig): Outcome {
  if (!r.ok) return { ok: false, error: r.error, ...(r.answeredNs ? { answeredNs: r.answeredNs } : {}) };
  const answer = parseHttpAnswer(r.received.toString('latin1'));
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

/**
 * A GET on a fresh connection each time: status, optional body and JSON
 * checks, the guest's fields. The request bytes are built once.
 */
export function httpProbeRequest(config: HttpProbeConfig, connectTo: string = config.address): ProbeRequest {
  return {
    exchange: {
      address: connectTo,
      port: config.port,
      payload: Buffer.from(httpRequestText(config), 'latin1'),
      complete: answerIsWhole,
    },
    outcome: (r) => httpOutcome(r, config),
  };
}

/** One GET with its own timeout (a one-off; the probe loop runs httpProbeRequest itself). */
export async function httpRequest(
  config: HttpProbeConfig,
  timeoutMs: number,
  signal: AbortSignal,
  connectTo: string = config.address,
): Promise<Outcome> {
  const request = httpProbeRequest(config, connectTo);
  return request.outcome(await exchange(request.exchange, timeoutMs, signal));
}
