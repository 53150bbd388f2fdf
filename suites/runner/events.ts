import type { ProbeChange } from '../../chaos/probes/probe-state.js';
import type { SuiteOutcome } from '../result.js';
import type { Verdict } from '../verdicts/verdict.js';

/**
 * What a suite run tells whoever watches it, as it happens: a terminal
 * renders these as progress lines, `--json` streams them one per line.
 */
export type SuiteEvent =
  | {
      type: 'suite';
      phase: 'start';
      suite: string;
      run: string;
      timeline: string;
      seed: number;
      repeat: number;
      steps: number;
    }
  | {
      type: 'suite';
      phase: 'end';
      suite: string;
      run: string;
      outcome: SuiteOutcome;
      abortReason?: string;
      durationMs: number;
    }
  | { type: 'steady'; step?: string; ok: boolean; reason: string; elapsedMs: number }
  | {
      type: 'step';
      step: string;
      name: string;
      phase: 'start' | 'injected' | 'reverted' | 'steady' | 'end';
      elapsedMs: number;
      detail?: string;
    }
  | {
      type: 'probe';
      /** A probe change, times as decimal ns strings (JSON has no bigint). */
      change: {
        probe: string;
        kind: ProbeChange['kind'];
        atNs: string;
        error?: string;
        downForNs?: string;
        from?: string;
        to?: string;
      };
    }
  | { type: 'watch'; watcher: string; subject: string; event: string; fields?: Record<string, unknown> }
  | { type: 'verdict'; step: string; live: boolean; verdict: Verdict }
  | {
      type: 'status';
      step: string;
      elapsedMs: number;
      probes: { vm: string; up: boolean | undefined; downForMs?: number; restarts: number }[];
      decided: number;
      expectations: number;
    }
  | { type: 'note'; text: string; elapsedMs?: number };

export type SuiteListener = (e: SuiteEvent) => void;
