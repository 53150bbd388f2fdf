import { errorMessage } from '../core/errors.js';
import type { ActionDetail } from './fault.js';
import type { LedgerEntry, LedgerInput } from './ledger/schema.js';
import type { LedgerWriter } from './ledger/writer.js';
import type { TimelineInput } from './timeline/schema.js';
import type { Timeline } from './timeline/writer.js';

/** What the recorder needs to know of the fault or action a state change is about. */
export interface RecordedAbout {
  name: string;
  targets: readonly string[];
  kind?: 'fault' | 'action';
  /** The ledger already holds its `injected` record (a heal in another process knows it from the history). */
  injected?: boolean;
}

/**
 * Writes a fault's state change to the ledger (fsynced: the record comes
 * before the step it announces) and mirrors it on the run's timeline. The
 * ledger is what heals; the timeline is what verdicts read, so a timeline
 * that cannot be written is logged, never allowed to stop a revert.
 *
 * For an action it also writes the `action` records, here because every run
 * of an action passes through this one place (a run, a guardian, a heal):
 * `start` with the intent, `done` with `injected` (the action waited until it
 * was done; its own report, such as a migration's downtime, is the detail),
 * `failed` when a revert starts on an action that never got done.
 */
export class FaultRecorder {
  private readonly done = new Set<string>();

  constructor(
    readonly ledger: LedgerWriter,
    private readonly timeline: Timeline | undefined,
    private readonly onTimelineError: (message: string) => void = () => {},
  ) {}

  record(input: LedgerInput, about: RecordedAbout, actionDetail?: ActionDetail): LedgerEntry {
    const entry = this.ledger.record(input);
    this.append({
      kind: 'ledger',
      ns: entry.ns,
      wall: entry.wall,
      fault: entry.fault,
      name: about.name,
      state: entry.state,
      targets: [...about.targets],
      ...('detail' in entry && entry.detail !== undefined ? { detail: entry.detail } : {}),
      ...(entry.state === 'refused' ? { detail: entry.reasons.join('; ') } : {}),
    });
    if (about.kind === 'action') {
      const phase = this.actionPhase(entry, about);
      if (phase) {
        const detail =
          phase === 'done'
            ? actionDetail
            : phase === 'failed' && 'detail' in entry && entry.detail !== undefined
              ? { reason: entry.detail }
              : undefined;
        this.append({
          kind: 'action',
          ns: entry.ns,
          wall: entry.wall,
          action: about.name,
          id: entry.fault,
          phase,
          targets: [...about.targets],
          ...(detail ? { detail } : {}),
        });
      }
    }
    return entry;
  }

  private actionPhase(entry: LedgerEntry, about: RecordedAbout): 'start' | 'done' | 'failed' | undefined {
    switch (entry.state) {
      case 'intended':
        return 'start';
      case 'injected':
        this.done.add(entry.fault);
        return 'done';
      case 'reverting':
        return about.injected || this.done.has(entry.fault) ? undefined : 'failed';
      default:
        return undefined;
    }
  }

  private append(record: TimelineInput): void {
    if (!this.timeline) return;
    try {
      this.timeline.append(record);
    } catch (err) {
      this.onTimelineError(`timeline ${this.timeline.path}: ${errorMessage(err)}`);
    }
  }
}
