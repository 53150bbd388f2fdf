import { errorMessage } from '../core/errors.js';
import type { LedgerEntry, LedgerInput } from './ledger/schema.js';
import type { LedgerWriter } from './ledger/writer.js';
import type { Timeline } from './timeline/writer.js';

/**
 * Writes a fault's state change to the ledger (fsynced: the record comes
 * before the step it announces) and mirrors it on the run's timeline. The
 * ledger is what heals; the timeline is what verdicts read, so a timeline
 * that cannot be written is logged, never allowed to stop a revert.
 */
export class FaultRecorder {
  constructor(
    readonly ledger: LedgerWriter,
    private readonly timeline: Timeline | undefined,
    private readonly onTimelineError: (message: string) => void = () => {},
  ) {}

  record(input: LedgerInput, about: { name: string; targets: readonly string[] }): LedgerEntry {
    const entry = this.ledger.record(input);
    if (this.timeline) {
      try {
        this.timeline.append({
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
      } catch (err) {
        this.onTimelineError(`timeline ${this.timeline.path}: ${errorMessage(err)}`);
      }
    }
    return entry;
  }

  close(): void {
    this.ledger.close();
    this.timeline?.close();
  }
}
