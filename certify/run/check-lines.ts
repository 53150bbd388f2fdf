import type { Redactor } from '../../core/redact.js';
import type { LoadedInventory } from '../../inventory/load.js';
import { runPreflight } from '../../inventory/preflight/index.js';
import type { SshPool } from '../../protocols/ssh/index.js';
import type { CertLine } from '../certification.js';
import { catalogueFor } from '../checks/index.js';
import { liveCheckLines } from '../live-check-lines.js';
import { preflightLines } from '../preflight-lines.js';
import { runLiveChecks } from '../run-checks.js';
import { writeEvidence } from './evidence-files.js';

const LIVE_CHECKS_MS = 120_000;

/** The static preflight of the inventory as lines, its report kept as evidence. */
export function preflightSection(loaded: LoadedInventory, outDir: string, redactor: Redactor): CertLine[] {
  const report = runPreflight(loaded);
  const file = writeEvidence(outDir, 'evidence/preflight.json', report, redactor);
  return preflightLines(report).map((l) => ({
    ...l,
    evidence: [...l.evidence, { label: 'the preflight report', file }],
  }));
}

/**
 * The live checks (read-only, every host in parallel) as lines; the facts
 * gathered from each host are written under evidence/, and the package
 * versions they hold are the certification's versions.
 */
export async function liveCheckSection(
  loaded: LoadedInventory,
  ssh: SshPool,
  outDir: string,
  redactor: Redactor,
  signal: AbortSignal,
): Promise<{ lines: CertLine[]; versions: Record<string, Record<string, string>> }> {
  const { results, facts } = await runLiveChecks(
    catalogueFor(loaded.inventory) ?? [],
    loaded.inventory,
    ssh,
    AbortSignal.any([signal, AbortSignal.timeout(LIVE_CHECKS_MS)]),
    loaded,
  );
  const files = facts.map((f) => writeEvidence(outDir, `evidence/facts-${f.host}.json`, f, redactor));
  writeEvidence(outDir, 'evidence/live-checks.json', results, redactor);
  const versions: Record<string, Record<string, string>> = {};
  for (const f of facts) if (f.values.packages) versions[f.host] = f.values.packages;
  const lines = liveCheckLines(results).map((l) => ({
    ...l,
    evidence: [
      ...l.evidence,
      ...files.map((file, i) => ({ label: `facts gathered from ${facts[i]!.host}`, file })),
    ],
  }));
  return { lines, versions };
}
