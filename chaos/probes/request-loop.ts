import { InFlight } from './in-flight.js';
import { openLoop } from './open-loop.js';
import type { Outcome, ProbeRequest } from './outcome.js';
import { LATE_NS, nowNs, type ProbeSample, type SampleSink } from './sample.js';
import { startExchange } from './socket-exchange.js';

/** One target of a request loop: its name on every sample, its request, its timeout. */
export interface LoopTarget {
  probe: string;
  request: ProbeRequest;
  timeoutMs: number;
}

function toSample(probe: string, sentNs: bigint, lateNs: bigint, o: Outcome): ProbeSample {
  const sample: ProbeSample = { kind: 'probe', probe, sentNs: String(sentNs), ok: o.ok };
  if (o.answeredNs !== undefined) sample.answeredNs = String(o.answeredNs);
  if (o.error !== undefined) sample.error = o.error;
  const fields = lateNs > LATE_NS ? { ...o.fields, lateNs: String(lateNs) } : o.fields;
  if (fields) sample.fields = fields;
  return sample;
}

/**
 * Sends every target's request every interval (one open loop for all of
 * them: one wake-up per interval, not one per target) until `stop` aborts,
 * each request on a fresh connection with its own timeout (one timer for
 * all of them, InFlight), and streams every sample to the sink when it
 * settles. Each sample's send time is when that request left, and its
 * lateness is against its planned slot. Resolves once the last request in
 * flight has settled; `cancel` abandons those.
 */
export async function runRequestLoop(
  targets: readonly LoopTarget[],
  intervalNs: bigint,
  sink: SampleSink,
  stop: AbortSignal,
  cancel: AbortSignal,
): Promise<void> {
  const inFlight = new InFlight();
  let pending = 0;
  let drained: (() => void) | undefined;
  const onCancel = () => inFlight.cancelAll();
  cancel.addEventListener('abort', onCancel, { once: true });
  await openLoop(intervalNs, stop, (tick) => {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      // The first leaves at the tick; the others after the connects before them.
      const sentNs = i === 0 ? tick.sentNs : nowNs();
      const lateNs = sentNs - tick.plannedNs;
      pending++;
      const p = startExchange(t.request.exchange, t.timeoutMs, (r) => {
        sink(toSample(t.probe, sentNs, lateNs, t.request.outcome(r)));
        if (--pending === 0) drained?.();
      });
      inFlight.add(p, t.timeoutMs);
      if (cancel.aborted) p.cancel();
    }
  });
  if (pending > 0) await new Promise<void>((resolve) => (drained = resolve));
  cancel.removeEventListener('abort', onCancel);
}
