import { clusterStatus } from '../../chaos/pacemaker-cluster.js';
import type { ProbeStates } from '../../chaos/probes/probe-state.js';
import type { RunSession } from '../../chaos/session.js';
import { abortableSleep } from '../../core/deadline.js';
import { parseDuration } from '../../core/duration.js';
import { describeUnsteady, evaluateSteadyState, type SteadyCheck } from '../steady-state/index.js';
import type { SuiteListener } from './events.js';

/** Between two evaluations of the steady state while waiting for it. */
const POLL_MS = 2_000;
/** A probe sample older than this says nothing about now. */
const FRESH_NS = 2_000_000_000n;

export interface SteadyWaiter {
  /** Polls the checks until all hold (ok) or `ms` pass (the last failing reasons). */
  waitFor(ms: number, step: string | undefined): Promise<{ ok: boolean; reason: string }>;
  withinMs(d: string | number): number;
}

export function steadyWaiter(o: {
  session: RunSession;
  checks: readonly SteadyCheck[];
  probes: ProbeStates;
  ledgerDir: string;
  listener: SuiteListener;
  elapsedMs(): number;
  signal: AbortSignal;
}): SteadyWaiter {
  const evaluate = () => {
    const fault = o.session.context(30_000, o.signal);
    return evaluateSteadyState(o.checks, {
      inventory: fault.inventory,
      readCluster: async () => (await clusterStatus(fault)).status,
      probes: o.probes,
      freshNs: FRESH_NS,
      fault,
      ledgerDir: o.ledgerDir,
    });
  };
  return {
    withinMs: (d) => (typeof d === 'number' ? d * 1000 : parseDuration(d, 'steadyState.within')),
    async waitFor(ms, step) {
      const start = process.hrtime.bigint();
      let lastReason: string | undefined;
      for (;;) {
        const r = await evaluate();
        const reason = r.ok
          ? r.results.map((x) => `${x.check}: ${x.reason}`).join('; ')
          : describeUnsteady(r);
        if (r.ok || reason !== lastReason)
          o.listener({
            type: 'steady',
            ...(step ? { step } : {}),
            ok: r.ok,
            reason,
            elapsedMs: o.elapsedMs(),
          });
        lastReason = reason;
        if (r.ok) return { ok: true, reason };
        const waited = Number((process.hrtime.bigint() - start) / 1_000_000n);
        if (waited >= ms || o.signal.aborted) return { ok: false, reason: `after ${waited} ms: ${reason}` };
        await abortableSleep(Math.min(POLL_MS, ms - waited), o.signal).catch(() => undefined);
      }
    },
  };
}
