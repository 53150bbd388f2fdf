import { setMaxListeners } from 'node:events';
import { openLoop } from './open-loop.js';
import type { Outcome } from './outcome.js';
import type { ProbeSample, SampleSink } from './sample.js';

/**
 * Sends `request` every interval (open loop) until `stop` aborts, each
 * request with its own timeout, and streams every sample to the sink when it
 * settles. Resolves once the last request in flight has settled.
 */
export async function runRequestLoop(
  probe: string,
  intervalNs: bigint,
  request: (signal: AbortSignal) => Promise<Outcome>,
  sink: SampleSink,
  stop: AbortSignal,
  cancel: AbortSignal,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  // Every request in flight listens for the cancel; at 100 Hz with a 500 ms timeout that is up to 50.
  const requests = new AbortController();
  setMaxListeners(0, requests.signal);
  const onCancel = () => requests.abort(cancel.reason);
  if (cancel.aborted) onCancel();
  else cancel.addEventListener('abort', onCancel, { once: true });
  await openLoop(intervalNs, stop, (tick) => {
    const settled = request(requests.signal).then((o) => {
      const sample: ProbeSample = { kind: 'probe', probe, sentNs: String(tick.sentNs), ok: o.ok };
      if (o.answeredNs !== undefined) sample.answeredNs = String(o.answeredNs);
      if (o.error !== undefined) sample.error = o.error;
      const fields = tick.lateNs === undefined ? o.fields : { ...o.fields, lateNs: String(tick.lateNs) };
      if (fields) sample.fields = fields;
      sink(sample);
    });
    const tracked = settled.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  });
  await Promise.all(inFlight);
  cancel.removeEventListener('abort', onCancel);
}
