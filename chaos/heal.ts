import type { Logger } from 'pino';
import { errorMessage } from '../core/errors.js';
import type { AnyFault, FaultContext, Observation } from './fault.js';
import type { FaultContexts } from './fault-contexts.js';
import { faultByName } from './faults/index.js';
import { acquireHealLock } from './heal-lock.js';
import type { CorruptLine } from './jsonl/read-lines.js';
import { type LedgerFault, readLedger, unreverted } from './ledger/reader.js';
import type { LedgerWriter } from './ledger/writer.js';
import { FaultRecorder, type RecordedAbout } from './recorder.js';
import { openTimeline, type Timeline } from './timeline/writer.js';

export interface HealedFault {
  id: string;
  name: string;
  summary: string;
  evidence: string[];
}

export interface UnhealedFault {
  id: string;
  name: string | undefined;
  summary: string | undefined;
  reason: string;
  evidence: string[];
}

export interface HealReport {
  healed: HealedFault[];
  failed: UnhealedFault[];
  /** Ledger lines that could not be read: what they held may still be in effect. */
  corrupt: CorruptLine[];
}

export interface HealOptions {
  ledgerDir: string;
  /** The healer's own ledger file (a guardian's, a heal's, or the run reverting its own fault). */
  ledger: LedgerWriter;
  contexts: FaultContexts;
  log: Logger;
  signal: AbortSignal;
  /** Which unreverted faults to heal (default all): a guardian heals its run's, a run its own. */
  only?: (f: LedgerFault) => boolean;
  /** How long to wait for another healer to finish before giving up. */
  lockWaitMs: number;
  /** Timelines already open in this process, by path (the run's own); others are opened here and closed. */
  timelines?: ReadonlyMap<string, Timeline>;
  /** Why this heal runs, recorded on each `reverting` record (the run died, the maximum duration passed). */
  why?: string;
}

/**
 * Reverts every fault the ledger shows as not reverted (or those `only`
 * selects), newest first, under the heal lock, re-reading the ledger once
 * the lock is held so a fault another healer just reverted is left alone.
 * Each revert is recorded before it starts and verified by the fault's
 * independent observation afterwards. Idempotent: with nothing to heal it
 * writes nothing.
 */
export async function heal(o: HealOptions): Promise<HealReport> {
  const lock = await acquireHealLock(o.ledgerDir, o.lockWaitMs, o.signal);
  const opened = new Map<string, Timeline>();
  try {
    const view = readLedger(o.ledgerDir);
    const report: HealReport = { healed: [], failed: [], corrupt: view.corrupt };
    for (const f of unreverted(view).filter(o.only ?? (() => true))) {
      const outcome = await healOne(f, o, (path) => timelineFor(path, o, opened));
      if ('reason' in outcome) report.failed.push(outcome);
      else report.healed.push(outcome);
    }
    return report;
  } finally {
    for (const t of opened.values()) t.close();
    await lock.release();
  }
}

async function healOne(
  f: LedgerFault,
  o: HealOptions,
  timelineFor: (path: string | undefined) => Timeline | undefined,
): Promise<HealedFault | UnhealedFault> {
  const intent = f.intended;
  const fail = (reason: string, evidence: string[] = []): UnhealedFault => ({
    id: f.id,
    name: intent?.name,
    summary: intent?.description.summary,
    reason,
    evidence,
  });
  if (!intent)
    return fail('its intent record is missing (a corrupt ledger line?): cannot tell what to revert');
  let fault: AnyFault;
  let ctx: FaultContext;
  let params: unknown;
  try {
    fault = faultByName(intent.name);
    params = fault.params.parse(intent.params);
    ctx = o.contexts.contextFor(intent.inventory, o.signal);
  } catch (err) {
    return fail(`cannot prepare its revert: ${errorMessage(err)}`);
  }
  const recorder = new FaultRecorder(o.ledger, timelineFor(intent.timeline), (m) => o.log.warn(m));
  const about = {
    name: fault.name,
    targets: intent.description.targets,
    kind: fault.kind,
    injected: f.history.some((h) => h.state === 'injected'),
  };
  const r = await revertAndVerify(f.id, fault, params, ctx, recorder, about, o.why);
  if (!r.ok) return fail(r.reason, r.evidence);
  return { id: f.id, name: intent.name, summary: intent.description.summary, evidence: r.evidence };
}

/**
 * The one revert path (a run's own, a guardian's, a heal's): `reverting` is
 * recorded first, then the revert, then the fault's independent observation
 * decides between `reverted` and `revert-failed`: for a fault, by it being
 * absent; for an action, by nothing it leaves behind being left.
 */
export async function revertAndVerify(
  id: string,
  fault: AnyFault,
  params: unknown,
  ctx: FaultContext,
  recorder: FaultRecorder,
  about: RecordedAbout,
  detail?: string,
): Promise<{ ok: true; evidence: string[] } | { ok: false; reason: string; evidence: string[] }> {
  recorder.record({ fault: id, state: 'reverting', ...(detail ? { detail } : {}) }, about);
  try {
    await fault.revert(params, ctx);
  } catch (err) {
    const reason = `revert failed: ${errorMessage(err)}`;
    recorder.record({ fault: id, state: 'revert-failed', detail: reason }, about);
    return { ok: false, reason, evidence: [] };
  }
  let seen: Observation;
  try {
    seen = await fault.verify(params, ctx);
  } catch (err) {
    const reason = `reverted, but the revert could not be verified: ${errorMessage(err)}`;
    recorder.record({ fault: id, state: 'revert-failed', detail: reason }, about);
    return { ok: false, reason, evidence: [] };
  }
  const left = fault.kind === 'action' ? (seen.leftBehind ?? []) : [];
  if (fault.kind === 'action' ? left.length > 0 : seen.state !== 'absent') {
    const reason =
      fault.kind === 'action'
        ? `left behind after the revert: ${left.join('; ')}`
        : `still ${seen.state === 'partial' ? 'partly ' : ''}in effect after the revert`;
    recorder.record({ fault: id, state: 'revert-failed', detail: reason, evidence: seen.evidence }, about);
    return { ok: false, reason, evidence: seen.evidence };
  }
  recorder.record({ fault: id, state: 'reverted', evidence: seen.evidence }, about);
  return { ok: true, evidence: seen.evidence };
}

function timelineFor(
  path: string | undefined,
  o: HealOptions,
  opened: Map<string, Timeline>,
): Timeline | undefined {
  if (!path) return undefined;
  const mine = o.timelines?.get(path) ?? opened.get(path);
  if (mine) return mine;
  try {
    const t = openTimeline(path);
    opened.set(path, t);
    return t;
  } catch (err) {
    o.log.warn(`cannot add the heal to timeline ${path}: ${errorMessage(err)}`);
    return undefined;
  }
}
