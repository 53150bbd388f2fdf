import type { Logger } from 'pino';
import type { GuardianConfig } from '../../chaos/guardian/protocol.js';
import type { ListenAddress } from '../../core/listen-address.js';
import { makeDirs } from '../../core/make-dirs.js';
import type { Redactor } from '../../core/redact.js';
import type { LoadedInventory } from '../../inventory/load.js';
import { checkSuiteAgainst, type ParsedSuite } from '../../suites/format/load-suite.js';
import { FAULT_REGISTRY } from '../../suites/format/registries.js';
import type { SuiteResult } from '../../suites/result.js';
import type { SuiteListener } from '../../suites/runner/events.js';
import { EXPECTATION_REGISTRY, JUDGE } from '../../suites/runner/judge.js';
import type { TimelineEvent } from '../../suites/verdicts/verdict.js';

export interface SuiteRunOptions {
  parsed: ParsedSuite;
  loaded: LoadedInventory;
  ledgerDir: string;
  /** Absolute folder the suite's reports and its timeline go to (inside the certification folder). */
  dir: string;
  redactor: Redactor;
  log: Logger;
  logLevel: GuardianConfig['logLevel'];
  command: string;
  listener: SuiteListener;
  signal: AbortSignal;
  /** Where the run's Alertmanager webhook receiver listens (alertFiredWithin, alertResolvedWithin), if anywhere. */
  alertWebhook?: ListenAddress | undefined;
}

/**
 * A suite run by the suite runner, its reports written by the suite reports
 * (JSON journal, JUnit, HTML with its timeline), its timeline file in the
 * same folder: the certification links them and hashes them.
 */
export async function runSuiteInto(
  o: SuiteRunOptions,
): Promise<{ result: SuiteResult; events: TimelineEvent[]; html: string; json: string }> {
  checkSuiteAgainst(o.parsed, o.loaded.inventory, {
    faults: FAULT_REGISTRY,
    expectations: EXPECTATION_REGISTRY,
  });
  makeDirs(o.dir, 'the suite folder of the certification');
  // Loaded when a destructive run needs them, as `havoc suite run` does.
  const [{ runSuite }, { writeReports }] = await Promise.all([
    import('../../suites/runner/run-suite.js'),
    import('../../suites/reports/index.js'),
  ]);
  const { result, events } = await runSuite({
    parsed: o.parsed,
    loaded: o.loaded,
    ledgerDir: o.ledgerDir,
    timelineDir: o.dir,
    seed: o.parsed.suite.seed,
    repeat: o.parsed.suite.repeat,
    redactor: o.redactor,
    log: o.log,
    logLevel: o.logLevel,
    command: o.command,
    faults: FAULT_REGISTRY,
    judge: JUDGE,
    signal: o.signal,
    listener: o.listener,
    probeIntervalMs: o.parsed.suite.probe.intervalMs,
    alertWebhook: o.alertWebhook,
  });
  const written = await writeReports(result, events, o.dir);
  return { result, events, html: written.html, json: written.json };
}
