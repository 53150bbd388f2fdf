import type { ProbeConfig } from '../../inventory/schema.js';
import type { Outcome, ProbeRequest } from './outcome.js';
import { exchange } from './socket-exchange.js';

export type TcpProbeConfig = Extract<ProbeConfig, { type: 'tcp' }>;

/** A fresh connection each time, and with `echo` the same bytes back. */
export function tcpProbeRequest(config: TcpProbeConfig, connectTo: string = config.address): ProbeRequest {
  const echo = config.echo === undefined ? undefined : Buffer.from(config.echo, 'latin1');
  return {
    exchange: {
      address: connectTo,
      port: config.port,
      ...(echo === undefined ? {} : { payload: echo }),
      complete: (received) => echo !== undefined && received.length >= echo.length,
    },
    outcome: (r) => {
      if (!r.ok) return { ok: false, error: r.error, ...(r.answeredNs ? { answeredNs: r.answeredNs } : {}) };
      if (echo !== undefined && !r.received.subarray(0, echo.length).equals(echo)) {
        return {
          ok: false,
          answeredNs: r.answeredNs,
          error: `${config.address}:${config.port}: echo came back as ${JSON.stringify(r.received.toString('latin1', 0, 80))}`,
        };
      }
      return { ok: true, answeredNs: r.answeredNs };
    },
  };
}

/** One request with its own timeout (a one-off; the probe loop runs tcpProbeRequest itself). */
export async function tcpRequest(
  config: TcpProbeConfig,
  timeoutMs: number,
  signal: AbortSignal,
  connectTo: string = config.address,
): Promise<Outcome> {
  const request = tcpProbeRequest(config, connectTo);
  return request.outcome(await exchange(request.exchange, timeoutMs, signal));
}
