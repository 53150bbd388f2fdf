import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { HavocError } from '../../core/errors.js';
import type { ProbeConfig } from '../../inventory/schema.js';
import { httpProbeRequest } from './http.js';
import { runIcmpProbe } from './icmp.js';
import { type LoopTarget, runRequestLoop } from './request-loop.js';
import type { SampleSink } from './sample.js';
import { tcpProbeRequest } from './tcp.js';

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
export function runProbe(target: ProbeTarget, run: ProbeRun): Promise<void> {
  return runProbes([target], run);
}

/**
 * Probes several targets until `stop`: the http and tcp ones in one open
 * loop (one wake-up per interval for all of them), each icmp one with its
 * own ping. Resolves when every last sample is out.
 */
export async function runProbes(targets: readonly ProbeTarget[], run: ProbeRun): Promise<void> {
  const intervalNs = BigInt(Math.round((run.intervalMs ?? DEFAULT_PROBE_INTERVAL_MS) * 1e6));
  const cancel = run.cancel ?? new AbortController().signal;
  const timeoutOf = (t: ProbeTarget) => run.timeoutMs ?? t.config.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  // Every name is looked up before any probe starts: a bad one must not leave the others running.
  const requests: LoopTarget[] = [];
  for (const target of targets) {
    const config = target.config;
    if (config.type === 'icmp') continue;
    const connectTo = await resolveOnce(target);
    requests.push({
      probe: target.name,
      timeoutMs: timeoutOf(target),
      request:
        config.type === 'http' ? httpProbeRequest(config, connectTo) : tcpProbeRequest(config, connectTo),
    });
  }
  const loops: Promise<void>[] = [];
  for (const target of targets) {
    const config = target.config;
    if (config.type === 'icmp')
      loops.push(
        runIcmpProbe(target.name, config, intervalNs, timeoutOf(target), run.sink, run.stop, cancel),
      );
  }
  if (requests.length > 0) loops.push(runRequestLoop(requests, intervalNs, run.sink, run.stop, cancel));
  await Promise.all(loops);
}
