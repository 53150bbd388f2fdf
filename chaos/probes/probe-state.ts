import type { ProbeSample, SampleSink } from './sample.js';

/** A change a person wants to see as it happens: the VM went down, came back, or answered with a new boot id. */
export type ProbeChange =
  | { probe: string; kind: 'down'; atNs: bigint; error: string }
  | { probe: string; kind: 'up'; atNs: bigint; downForNs?: bigint }
  | { probe: string; kind: 'restart'; atNs: bigint; from: string; to: string };

/** What a probe shows now, judged in send order. */
export interface ProbeState {
  probe: string;
  /** Undefined before the first sample settled. */
  up: boolean | undefined;
  /** Send time of the newest settled request. */
  latestSentNs: bigint | undefined;
  /** Answers since the probe started. */
  answered: number;
  bootId: string | undefined;
  /** Since when it is down (send time of the first failed request). */
  downSinceNs: bigint | undefined;
  /** The longest outage seen so far, ended or not. */
  longestOutageNs: bigint;
  restarts: number;
  lastError: string | undefined;
}

/**
 * Follows one or several probes' samples and reports each change. Failures
 * settle at their timeout, after later answers: only a newer send can change
 * the state, so a late timeout never flips a VM that answers again to down.
 */
export class ProbeStates {
  private readonly states = new Map<string, ProbeState>();

  constructor(private readonly onChange: (c: ProbeChange) => void = () => {}) {}

  get(probe: string): ProbeState | undefined {
    return this.states.get(probe);
  }

  all(): ProbeState[] {
    return [...this.states.values()];
  }

  readonly sink: SampleSink = (s: ProbeSample) => this.take(s);

  take(s: Pick<ProbeSample, 'probe' | 'sentNs' | 'ok' | 'error' | 'fields'>): void {
    let st = this.states.get(s.probe);
    if (!st) {
      st = {
        probe: s.probe,
        up: undefined,
        latestSentNs: undefined,
        answered: 0,
        bootId: undefined,
        downSinceNs: undefined,
        longestOutageNs: 0n,
        restarts: 0,
        lastError: undefined,
      };
      this.states.set(s.probe, st);
    }
    const at = BigInt(s.sentNs);
    if (s.ok) st.answered++;
    if (st.latestSentNs !== undefined && at <= st.latestSentNs) return;
    st.latestSentNs = at;
    if (s.ok) {
      const id = s.fields?.bootId;
      if (typeof id === 'string') {
        if (st.bootId !== undefined && id !== st.bootId) {
          st.restarts++;
          this.onChange({ probe: s.probe, kind: 'restart', atNs: at, from: st.bootId, to: id });
        }
        st.bootId = id;
      }
    } else st.lastError = s.error ?? 'failed';
    if (st.downSinceNs !== undefined) {
      const d = at - st.downSinceNs;
      if (d > st.longestOutageNs) st.longestOutageNs = d;
    }
    if (s.ok === st.up) return;
    st.up = s.ok;
    if (!s.ok) {
      st.downSinceNs = at;
      this.onChange({ probe: s.probe, kind: 'down', atNs: at, error: st.lastError ?? 'failed' });
    } else {
      const downForNs = st.downSinceNs === undefined ? undefined : at - st.downSinceNs;
      st.downSinceNs = undefined;
      this.onChange({
        probe: s.probe,
        kind: 'up',
        atNs: at,
        ...(downForNs === undefined ? {} : { downForNs }),
      });
    }
  }
}

/** The one-line form of a change, as `havoc probe`, `chaos inject --probe` and suites print it. */
export function describeProbeChange(c: ProbeChange): string {
  const at = new Date().toISOString();
  switch (c.kind) {
    case 'down':
      return `${at} ${c.probe} DOWN: ${c.error}`;
    case 'up':
      return c.downForNs === undefined
        ? `${at} ${c.probe} UP`
        : `${at} ${c.probe} UP after ${(Number(c.downForNs) / 1e6).toFixed(1)} ms`;
    case 'restart':
      return `${at} ${c.probe} RESTARTED: boot id ${c.from} -> ${c.to}`;
  }
}
