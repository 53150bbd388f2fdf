import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { HavocError } from '../../core/errors.js';
import type { ProbeConfig } from '../../inventory/schema.js';
import { httpRequest } from './http.js';
import { runIcmpProbe } from './icmp.js';
import { runRequestLoop } from './request-loop.js';
import type { SampleSink } from './sample.js';
import { tcpRequest } from './tcp.js';

/**
 * A request that takes longer counts as failed. Below the 1 s that Linux
 * waits before resending a lost SYN, so a request whose SYN fell into an
 * outage never counts as answered when the retransmit gets through later.
 */
export const DEFAULT_PROBE_TIMEOUT_MS = 500;
export const DEFAULT_PROBE_INTERVAL_MS = 10;

export interface ProbeTarget {
  /** The VM's name; every sample carries it. */
  name: string;
  config: ProbeConfig;
}

export interface ProbeRun {
  intervalMs?: number;
  /** Overrides the probe's own timeoutMs. */
  timeoutMs?: number;
  sink: SampleSink;
  /** Stops sending; the requests in flight still settle (within their timeout). */
  stop: AbortSignal;
  /** Abandons the requests in flight too (a second Ctrl-C). Defaults to never. */
  cancel?: AbortSignal;
}

/**
 * The address to connect to, looked up once: a lookup per request would cost
 * a resolver round trip every 10 ms and turn a slow resolver into an outage.
 */
async function resolveOnce(target: ProbeTarget): Promise<string> {
  const address = target.config.address;
  if (isIP(address)) return address;
  try {
    return (await lookup(address)).address;
  } catch (err) {
    throw new HavocError(
      'probe',
      `cannot resolve ${address}, the probe address of ${target.name}: ${(err as Error).message}`,
      {
        target: target.name,
        hint: 'use an IP address or a name this station resolves',
      },
    );
  }
}

/** Probes one target, open loop, until `stop`; resolves when its last sample is out. */
export async function runProbe(target: ProbeTarget, run: ProbeRun): Promise<void> {
  const intervalNs = BigInt(Math.round((run.intervalMs ?? DEFAULT_PROBE_INTERVAL_MS) * 1e6));
  const timeoutMs = run.timeoutMs ?? target.config.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const cancel = run.cancel ?? new AbortController().signal;
  const config = target.config;
  if (config.type === 'icmp')
    return runIcmpProbe(target.name, config, intervalNs, timeoutMs, run.sink, run.stop, cancel);
  const connectTo = await resolveOnce(target);
  const request =
    config.type === 'http'
      ? (s: AbortSignal) => httpRequest(config, timeoutMs, s, connectTo)
      : (s: AbortSignal) => tcpRequest(config, timeoutMs, s, connectTo);
  return runRequestLoop(target.name, intervalNs, request, run.sink, run.stop, cancel);
}
