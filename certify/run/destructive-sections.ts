import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FaultContexts } from '../../chaos/fault-contexts.js';
import { clusterStatus, vmHostsOf } from '../../chaos/pacemaker-cluster.js';
import { errorMessage } from '../../core/errors.js';
import type { ListenAddress } from '../../core/listen-address.js';
import { type ParsedSuite, parseSuite } from '../../suites/format/load-suite.js';
import type { Certification, CertLine, Section } from '../certification.js';
import { type ClusterSnapshot, takeSnapshot } from './cluster-snapshot.js';
import { writeEvidence } from './evidence-files.js';
import { fencingLines } from './fencing-lines.js';
import { finalStateLines } from './final-state-lines.js';
import { MIGRATION_SUITE, migrationSuite } from './migration-suite.js';
import { FINAL_PARTS, notRunLines, suiteLineId } from './not-run-lines.js';
import type { CertifyRunContext } from './run-context.js';
import { suiteVerdictLines } from './suite-lines.js';
import { runSuiteInto } from './suite-run.js';

export interface DestructiveOptions extends CertifyRunContext {
  suite: ParsedSuite;
  /** The failure suite's alert receiver; the generated migration suite expects no alerts. */
  alertWebhook?: ListenAddress | undefined;
  /** Absolute certification folder. */
  outDir: string;
}

export interface DestructiveResult {
  lines: CertLine[];
  suite?: Certification['suite'];
  notRun: string[];
}

const SNAPSHOT_MS = 60_000;

/**
 * The destructive part, in this order: the cluster's snapshot as found,
 * fencing of every host through every level, the failure suite, a live
 * migration of every HA VM (and back), the snapshot again and the
 * comparison. A section that throws becomes error lines of its own and the
 * next section still runs (each starts by waiting for the steady state, so
 * it does not pile on a broken cluster); the final state is always taken.
 */
export async function destructiveSections(o: DestructiveOptions): Promise<DestructiveResult> {
  const lines: CertLine[] = [];
  const notRun: string[] = [];
  const contexts = new FaultContexts(o.redactor, o.log);
  contexts.add(o.loaded);
  const ctx = () =>
    contexts.contextFor(o.loaded.file, AbortSignal.any([o.signal, AbortSignal.timeout(SNAPSHOT_MS)]));
  const failed = (section: Section, ids: readonly string[], what: string, err: unknown) => {
    notRun.push(`${what}: ${errorMessage(err)}`);
    for (const id of ids)
      lines.push({
        id,
        section,
        title: id,
        status: 'error',
        message: `${what} failed: ${errorMessage(err)}`,
        evidence: [],
      });
  };
  const planned = notRunLines(o.loaded, o.suite, '');
  const idsOf = (section: Section) => planned.filter((l) => l.section === section).map((l) => l.id);
  let suite: Certification['suite'];
  try {
    let before: ClusterSnapshot;
    try {
      o.progress('snapshot of the cluster as found');
      before = await takeSnapshot(ctx(), o.ledgerDir);
      writeEvidence(o.outDir, 'evidence/snapshot-before.json', before, o.redactor);
    } catch (err) {
      // Without the picture of the cluster as found nothing destructive may start: it could not be put back.
      const why = `not run: the snapshot of the cluster as found could not be taken (${errorMessage(err)})`;
      notRun.push(`destructive steps: ${why}`);
      return { lines: notRunLines(o.loaded, o.suite, why), notRun };
    }

    try {
      o.progress('fencing every host through every level');
      const fenced = await fencingLines({ ...o, evidenceDir: join(o.outDir, 'evidence') });
      lines.push(...fenced.lines);
    } catch (err) {
      failed('fencing', idsOf('fencing'), 'fencing', err);
    }

    try {
      o.progress(`the failure suite ${o.suite.suite.name}`);
      const run = await runSuiteInto({
        ...o,
        parsed: o.suite,
        dir: join(o.outDir, 'suite'),
        alertWebhook: o.alertWebhook,
      });
      const name = run.result.suite.name;
      lines.push(
        ...suiteVerdictLines(run.result, run.events, {
          section: 'suite',
          outDir: o.outDir,
          idOf: (step, e) => suiteLineId(name, step, e),
          titleOf: (step, e) => `${step}: ${e}`,
        }),
      );
      if (run.result.outcome === 'aborted')
        lines.push({
          id: `suite.${name}`,
          section: 'suite',
          title: `the suite ${name} ran to its end`,
          status: 'inconclusive',
          message: `aborted: ${run.result.abortReason ?? 'no reason given'}`,
          evidence: [{ label: 'the suite report', file: relative(o.outDir, run.html) }],
        });
      suite = {
        name,
        outcome: run.result.outcome,
        html: relative(o.outDir, run.html),
        json: relative(o.outDir, run.json),
      };
    } catch (err) {
      failed('suite', idsOf('suite'), `the suite ${o.suite.suite.name}`, err);
    }

    try {
      o.progress('a live migration of every HA VM');
      const { status } = await clusterStatus(ctx());
      const now = Object.fromEntries(o.loaded.inventory.vms.map((vm) => [vm.name, vmHostsOf(status, vm)]));
      const plan = migrationSuite(o.loaded.inventory, now, before.placement);
      for (const vm of plan.notRunning)
        lines.push({
          id: `migrate.${vm}`,
          section: 'live-migration',
          title: `${vm} live-migrated within its SLO`,
          status: 'inconclusive',
          message: `not run: ${vm} runs nowhere (${now[vm]?.length ? now[vm]!.join(', ') : 'stopped'})`,
          evidence: [],
        });
      if (Object.keys(plan.lineOf).length) {
        const dir = join(o.outDir, 'suite', 'live-migration');
        const file = join(dir, `${MIGRATION_SUITE}.yaml`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, plan.yaml);
        const run = await runSuiteInto({
          ...o,
          parsed: parseSuite(file, plan.yaml),
          dir,
          alertWebhook: undefined,
        });
        lines.push(
          ...suiteVerdictLines(run.result, run.events, {
            section: 'live-migration',
            outDir: o.outDir,
            // Its downtime and its duration, both judged against the VM's SLOs, are one requirement.
            idOf: (step) => plan.lineOf[step] ?? `migrate.${step}`,
            titleOf: (step) => `${step}, within the SLOs (service downtime, migration time)`,
          }),
        );
        if (run.result.outcome === 'aborted')
          lines.push({
            id: `migrate.${MIGRATION_SUITE}`,
            section: 'live-migration',
            title: 'the live migrations ran to their end',
            status: 'inconclusive',
            message: `aborted: ${run.result.abortReason ?? 'no reason given'}`,
            evidence: [{ label: 'the migrations report', file: relative(o.outDir, run.html) }],
          });
      }
    } catch (err) {
      failed('live-migration', idsOf('live-migration'), 'the live migrations', err);
    }

    try {
      o.progress('snapshot of the cluster as left');
      const after = await takeSnapshot(ctx(), o.ledgerDir);
      writeEvidence(o.outDir, 'evidence/snapshot-after.json', after, o.redactor);
      lines.push(
        ...finalStateLines(before, after, [
          { label: 'the cluster as found', file: 'evidence/snapshot-before.json' },
          { label: 'the cluster as left', file: 'evidence/snapshot-after.json' },
        ]),
      );
    } catch (err) {
      failed(
        'final-state',
        FINAL_PARTS.map((p) => `final.${p}`),
        'the snapshot of the cluster as left',
        err,
      );
    }
  } finally {
    contexts.close();
  }
  return { lines, ...(suite ? { suite } : {}), notRun };
}
