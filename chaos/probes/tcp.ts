import type { ProbeConfig } from '../../inventory/schema.js';
import type { Outcome } from './outcome.js';
import { exchange } from './socket-exchange.js';

export type TcpProbeConfig = Extract<ProbeConfig, { type: 'tcp' }>;

/** A fresh connection, and with `echo` the same bytes back. */
export async function tcpRequest(
  config: TcpProbeConfig,
  timeoutMs: number,
  signal: AbortSignal,
  connectTo: string = config.address,
): Promise<Outcome> {
  const echo = config.echo;
  const r = await exchange(
    {
      address: connectTo,
      port: config.port,
      ...(echo === undefined ? {} : { payload: echo }),
      timeoutMs,
      complete: (received) => echo !== undefined && received.length >= echo.length,
    },
    signal,
  );
  if (!r.ok) return { ok: false, error: r.error, ...(r.answeredNs ? { answeredNs: r.answeredNs } : {}) };
  if (echo !== undefined && !r.received.startsWith(echo)) {
    return {
      ok: false,
      answeredNs: r.answeredNs,
      error: `${config.address}:${config.port}: echo came back as ${JSON.stringify(r.received.slice(0, 80))}`,
    };
  }
  return { ok: true, answeredNs: r.answeredNs };
}
