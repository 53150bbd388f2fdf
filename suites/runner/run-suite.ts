import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { GuardianConfig } from '../../chaos/guardian/protocol.js';
import { readLedger, unreverted } from '../../chaos/ledger/reader.js';
import type { FaultState } from '../../chaos/ledger/schema.js';
import { clusterStatus, vmHostsOf } from '../../chaos/pacemaker-cluster.js';
import { type RunObservers, startRunObservers } from '../../chaos/run-observers.js';
import { RunSession } from '../../chaos/session.js';
import { readTimeline } from '../../chaos/timeline/reader.js';
import { HavocError } from '../../core/errors.js';
import { formatHostPort, type ListenAddress } from '../../core/listen-address.js';
import type { Redactor } from '../../core/redact.js';
import type { LoadedInventory } from '../../inventory/load.js';
import type { ParsedSuite } from '../format/load-suite.js';
import type { FaultRegistry } from '../format/registries.js';
import { type StepResult, SUITE_RESULT_VERSION, type SuiteOutcome, type SuiteResult } from '../result.js';
import { STEADY_CHECKS, steadyCheckByName } from '../steady-state/index.js';
import type { TimelineEvent } from '../verdicts/verdict.js';
import { clusterVersions } from './cluster-versions.js';
import type { SuiteListener } from './events.js';
import { havocVersion } from './havoc-version.js';
import { type Judge, verdictsOfStep } from './judge.js';
import { type SteadyWaiter, steadyWaiter } from './steady.js';
import { runStep, type StepRun } from './step.js';

export interface RunSuiteOptions {
  parsed: ParsedSuite;
  loaded: LoadedInventory;
  ledgerDir: string;
  timelineDir: string;
  seed: number;
  repeat: number;
  redactor: Redactor;
  log: Logger;
  logLevel: GuardianConfig['logLevel'];
  command: string;
  faults: FaultRegistry;
  judge: Judge;
  /** Ctrl-C: the step in progress is reverted at once, the run ends with a partial result. */
  signal: AbortSignal;
  listener: SuiteListener;
  /** Probe interval (default the probes' 10 ms). */
  probeIntervalMs?: number;
  /**
   * Where the run's Alertmanager webhook receiver listens (--alert-webhook,
   * else the suite file's alertWebhook). Without one, alertFiredWithin is
   * inconclusive and does not hold a step open.
   */
  alertWebhook?: ListenAddress | undefined;
  /** Test hook (HAVOC_CHAOS_STOP_AFTER), as for `chaos inject`. */
  stopAfter?: FaultState | undefined;
}

/** Tells whoever watches the run whether the alert expectations can be judged, before the first step. */
function noteAlertReceiver(o: RunSuiteOptions, live: readonly TimelineEvent[]): void {
  const alertSteps = o.parsed.suite.steps.filter((s) =>
    s.expect.some((e) => o.judge.expectations.byName(Object.keys(e)[0]!)?.needsAlertReceiver),
  ).length;
  if (!o.alertWebhook) {
    if (alertSteps)
      o.listener({
        type: 'note',
        text: `${alertSteps} step(s) expect alerts (alertFiredWithin, alertResolvedWithin), but this run has no Alertmanager webhook receiver: those verdicts will be inconclusive (give --alert-webhook HOST:PORT)`,
      });
    return;
  }
  const where = formatHostPort(o.alertWebhook.host, o.alertWebhook.port);
  const reach = live.findLast(
    (e) =>
      e.record.kind === 'watch' && e.record.watcher === 'alertmanager' && e.record.event === 'reachability',
  )?.record;
  const fields = reach?.kind === 'watch' ? reach.fields : undefined;
  o.listener({
    type: 'note',
    text:
      fields?.reachable === true
        ? `alert receiver listening on http://${where}/ (Alertmanager must route to it: havoc alerts export writes the route)`
        : `alert receiver NOT listening: ${String(fields?.error ?? 'no reachability record')}; alertFiredWithin and alertResolvedWithin verdicts will be inconclusive`,
  });
}

/** How long the first steady state may take to hold (probes need their first answers). */
const FIRST_STEADY_MS = 60_000;

/**
 * A suite run: refuse while the ledger holds faults not reverted; one run
 * session (guardian, ledger, timeline) with probes of every HA VM and the
 * watchers for its whole length; the steady state first (its failure aborts
 * before any fault); then each step (see step.ts); verdicts over the
 * timeline read back from disk, stats over the repeats.
 */
export async function runSuite(
  o: RunSuiteOptions,
): Promise<{ result: SuiteResult; events: TimelineEvent[] }> {
  const open = unreverted(readLedger(o.ledgerDir));
  if (open.length > 0)
    throw new HavocError(
      'ledger-not-empty',
      `the fault ledger ${o.ledgerDir} holds ${open.length} fault(s) not reverted (${open
        .map((f) => `${f.id}: ${f.intended?.description.summary ?? '?'}, ${f.state}`)
        .join('; ')}); no suite runs until they are healed`,
      { hint: `run havoc heal --ledger ${o.ledgerDir} (or wait for the guardian), then run the suite again` },
    );
  const suite = o.parsed.suite;
  const inv = o.loaded.inventory;
  const startWall = new Date().toISOString();
  const startNs = process.hrtime.bigint();
  const elapsedMs = () => Number((process.hrtime.bigint() - startNs) / 1_000_000n);
  const session = new RunSession({
    loaded: o.loaded,
    ledgerDir: o.ledgerDir,
    timelineDir: o.timelineDir,
    redactor: o.redactor,
    log: o.log,
    command: o.command,
    logLevel: o.logLevel,
    detail: { suite: suite.name, seed: o.seed, repeat: o.repeat, file: o.parsed.file },
    stopAfter: o.stopAfter,
  });
  session.timeline();
  const live: TimelineEvent[] = [];
  session.onRecord((record) => {
    live.push({ line: live.length + 1, record });
  });
  o.listener({
    type: 'suite',
    phase: 'start',
    suite: suite.name,
    run: session.run,
    timeline: session.timelinePath,
    seed: o.seed,
    repeat: o.repeat,
    steps: suite.steps.length * o.repeat,
  });
  const steps: StepResult[] = [];
  const planned = new Map<string, StepRun['expectations']>();
  let outcome: SuiteOutcome | undefined;
  let abortReason: string | undefined;
  let versions: Record<string, Record<string, string>> = {};
  let observers: RunObservers | undefined;
  try {
    // Every HA VM is probed, and the cluster watched, for the whole run.
    observers = startRunObservers(
      session,
      inv.vms.filter((v) => v.haPriority === 'restart'),
      {
        onProbeChange: (c) =>
          o.listener({
            type: 'probe',
            change: {
              ...c,
              atNs: String(c.atNs),
              ...(c.kind === 'up' && c.downForNs !== undefined
                ? { downForNs: String(c.downForNs) }
                : { downForNs: undefined }),
            },
          }),
        onWatch: (r) =>
          o.listener({
            type: 'watch',
            watcher: r.watcher,
            subject: r.subject,
            event: r.event,
            ...(r.fields ? { fields: r.fields } : {}),
          }),
        ...(o.probeIntervalMs ? { intervalMs: o.probeIntervalMs } : {}),
        alertWebhook: o.alertWebhook,
      },
    );
    await observers.ready;
    noteAlertReceiver(o, live);
    const probes = observers.probes;
    const checks = suite.steadyState.checks
      ? suite.steadyState.checks.map(steadyCheckByName)
      : [...STEADY_CHECKS];
    const steady: SteadyWaiter = steadyWaiter({
      session,
      checks,
      probes,
      ledgerDir: o.ledgerDir,
      listener: o.listener,
      elapsedMs,
      signal: o.signal,
    });
    versions = await clusterVersions(session.context(30_000, o.signal));
    const first = await steady.waitFor(FIRST_STEADY_MS, undefined);
    if (!first.ok) {
      outcome = 'aborted';
      abortReason = o.signal.aborted
        ? 'interrupted (Ctrl-C) before the first step; nothing was injected'
        : `the steady state does not hold before the first step, so nothing was injected: ${first.reason}`;
    }
    for (let r = 1; r <= o.repeat && !outcome; r++) {
      for (let i = 1; i <= suite.steps.length && !outcome; i++) {
        if (o.signal.aborted) {
          outcome = 'aborted';
          abortReason = 'interrupted (Ctrl-C)';
          break;
        }
        const run = await runStep({
          id: `${r}.${i}`,
          index: i,
          repeat: r,
          seed: o.seed,
          step: suite.steps[i - 1]!,
          session,
          inv,
          faults: o.faults,
          judge: o.judge,
          live,
          probes,
          steady,
          steadyWithinMs: steady.withinMs(suite.steadyState.within),
          alertReceiver: o.alertWebhook !== undefined,
          listener: o.listener,
          elapsedMs,
          signal: o.signal,
          placement: async () => {
            const { status } = await clusterStatus(session.context(60_000, o.signal));
            return (vm: string) => {
              const v = inv.vms.find((x) => x.name === vm);
              if (!v) throw new HavocError('suite', `no VM "${vm}" in the inventory`);
              return vmHostsOf(status, v);
            };
          },
        });
        steps.push(run.result);
        planned.set(run.result.step, run.expectations);
        if (run.abort) {
          outcome = 'aborted';
          abortReason = run.abort;
        }
      }
    }
  } finally {
    await observers?.stop().catch((err) => o.log.warn(`probes or watchers: ${(err as Error).message}`));
    session.close({ outcome: outcome ?? 'judged' });
  }
  // Verdicts read the timeline as it is on disk: its line numbers are the evidence ids of the reports.
  const { records } = readTimeline(session.timelinePath);
  const events: TimelineEvent[] = records.map((record, k) => ({ line: k + 1, record }));
  const windows = o.judge.windows(events);
  for (const s of steps) {
    s.verdicts = verdictsOfStep(
      o.judge,
      events,
      windows.find((w) => w.step === s.step),
      planned.get(s.step) ?? [],
    );
    for (const v of s.verdicts) o.listener({ type: 'verdict', step: s.step, live: false, verdict: v });
  }
  const all = steps.flatMap((s) => s.verdicts);
  outcome ??= all.some((v) => v.status === 'fail')
    ? 'fail'
    : all.some((v) => v.status === 'inconclusive')
      ? 'inconclusive'
      : 'pass';
  const inventoryFile = resolve(o.loaded.file);
  const result: SuiteResult = {
    version: SUITE_RESULT_VERSION,
    suite: {
      name: suite.name,
      ...(suite.description ? { description: suite.description } : {}),
      ...(o.parsed.builtin ? {} : { file: resolve(o.parsed.file) }),
      seed: o.seed,
      repeat: o.repeat,
    },
    run: session.run,
    outcome,
    ...(abortReason ? { abortReason } : {}),
    inventory: {
      file: inventoryFile,
      cluster: inv.cluster.name,
      sha256: createHash('sha256').update(readFileSync(inventoryFile)).digest('hex'),
    },
    versions: { havoc: havocVersion(), cluster: versions },
    startWall,
    endWall: new Date().toISOString(),
    durationMs: elapsedMs(),
    timeline: session.timelinePath,
    steps,
    stats: o.judge.stats(steps),
  };
  o.listener({
    type: 'suite',
    phase: 'end',
    suite: suite.name,
    run: session.run,
    outcome,
    ...(abortReason ? { abortReason } : {}),
    durationMs: result.durationMs,
  });
  return { result, events };
}
