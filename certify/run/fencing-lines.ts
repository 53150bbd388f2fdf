import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { onCluster } from '../../chaos/pacemaker-cluster.js';
import { startRunObservers } from '../../chaos/run-observers.js';
import { RunSession } from '../../chaos/session.js';
import { errorMessage } from '../../core/errors.js';
import type { LoadedInventory } from '../../inventory/load.js';
import { parseCib } from '../../protocols/pacemaker/cib.js';
import { steadyWaiter } from '../../suites/runner/steady.js';
import { STEADY_CHECKS } from '../../suites/steady-state/index.js';
import type { CertLine } from '../certification.js';
import { certifyFenceLevel } from './fence-level.js';
import type { CertifyRunContext } from './run-context.js';

export interface FencingOptions extends CertifyRunContext {
  /** Absolute path of the certification's evidence folder; the fencing timeline goes in evidence/fencing/. */
  evidenceDir: string;
}

/** The fence.<host>.level<n> ids of an inventory, in the order they run. */
export function fenceLineIds(loaded: LoadedInventory): { host: string; level: number; id: string }[] {
  return loaded.inventory.hosts.flatMap((h) =>
    (h.fencing.levels.length ? h.fencing.levels : [undefined]).map((_, i) => ({
      host: h.name,
      level: i + 1,
      id: `fence.${h.name}.level${i + 1}`,
    })),
  );
}

/**
 * Every host through every level, one fence at a time, in one run session
 * (guardian, ledger, timeline) with the suites' probes and watchers, so the
 * steady state is judged by the same checks as a suite's. A host that does
 * not come back steady stops the fencing: the rest is inconclusive.
 */
export async function fencingLines(o: FencingOptions): Promise<{ lines: CertLine[]; timeline: string }> {
  const timelineDir = join(o.evidenceDir, 'fencing');
  mkdirSync(timelineDir, { recursive: true });
  const session = new RunSession({
    loaded: o.loaded,
    ledgerDir: o.ledgerDir,
    timelineDir,
    redactor: o.redactor,
    log: o.log,
    command: o.command,
    logLevel: o.logLevel,
    detail: { certification: 'fencing' },
  });
  session.timeline();
  const lines: CertLine[] = [];
  const startNs = process.hrtime.bigint();
  const observers = startRunObservers(
    session,
    o.loaded.inventory.vms.filter((v) => v.haPriority === 'restart'),
  );
  try {
    const steady = steadyWaiter({
      session,
      checks: STEADY_CHECKS,
      probes: observers.probes,
      ledgerDir: o.ledgerDir,
      listener: o.listener,
      elapsedMs: () => Number((process.hrtime.bigint() - startNs) / 1_000_000n),
      signal: o.signal,
    });
    const cib = parseCib(
      (await onCluster(session.context(60_000, o.signal), ['cibadmin', '--query'])).stdout,
    );
    let stopped: string | undefined;
    for (const { host, level, id } of fenceLineIds(o.loaded)) {
      const h = o.loaded.inventory.hosts.find((x) => x.name === host)!;
      const title = `${host} fenced through level ${level}`;
      if (h.fencing.levels.length === 0) {
        lines.push({
          id,
          section: 'fencing',
          title,
          status: 'fail',
          message: `the inventory declares no fencing level for ${host}`,
          remediation: `declare hosts.${host}.fencing.levels (a BMC level first, a switch-ports level second)`,
          evidence: [],
        });
        continue;
      }
      if (stopped || o.signal.aborted) {
        lines.push({
          id,
          section: 'fencing',
          title,
          status: 'inconclusive',
          message: `not run: ${stopped ?? 'interrupted'}`,
          evidence: [],
        });
        continue;
      }
      o.progress(`fencing: ${id}`);
      try {
        const r = await certifyFenceLevel(
          { session, steady, cib, evidenceDir: o.evidenceDir, progress: o.progress, signal: o.signal },
          h,
          level,
        );
        lines.push(r.line);
        if (!r.steadyAfter) stopped = `the cluster did not come back to its steady state after ${id}`;
      } catch (err) {
        // The lines already judged stay; what state the cluster is in is unknown, so nothing more is fenced.
        lines.push({
          id,
          section: 'fencing',
          title,
          status: 'error',
          message: errorMessage(err),
          evidence: [],
        });
        stopped = `${id} ended in an error (${errorMessage(err)})`;
      }
    }
  } finally {
    await observers.stop().catch((err) => o.log.warn(`probes or watchers: ${(err as Error).message}`));
    session.close({ outcome: 'certification fencing done' });
  }
  const timeline = `evidence/fencing/${session.run}.jsonl`;
  for (const l of lines)
    if (l.evidence.some((e) => e.file?.startsWith('evidence/fence-')))
      l.evidence.push({ label: 'the fencing timeline (probes, watchers, ledger)', file: timeline });
  return { lines, timeline };
}
