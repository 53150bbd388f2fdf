import type { PreflightReport, ReportedFinding } from '../inventory/preflight/index.js';
import type { CertLine } from './certification.js';

/** The requirement id of a finding: stable across runs, so a waiver can name it. */
export function preflightLineId(finding: Pick<ReportedFinding, 'id' | 'objects'>): string {
  return finding.objects.length
    ? `preflight.${finding.id}.${finding.objects.join(',')}`
    : `preflight.${finding.id}`;
}

/**
 * The static preflight as certification lines: one per finding (error ->
 * fail, warning -> warning), findings with the same id on the same objects
 * merged into one line (one waiver covers them), and one pass line per check
 * that found nothing, so the report lists what was checked, not only what
 * went wrong. Pure: the run gives it `runPreflight`'s report.
 */
export function preflightLines(report: PreflightReport): CertLine[] {
  const byId = new Map<string, ReportedFinding[]>();
  for (const f of report.findings) {
    const id = preflightLineId(f);
    byId.set(id, [...(byId.get(id) ?? []), f]);
  }
  const describe = (check: string) => report.checks.find((c) => c.name === check)?.description ?? check;
  const lines: CertLine[] = [];
  for (const check of report.checks) {
    const found = [...byId].filter(([, fs]) => fs[0]!.check === check.name);
    if (found.length === 0) {
      lines.push({
        id: `preflight.${check.name}`,
        section: 'preflight',
        title: check.description,
        status: 'pass',
        target: check.description,
        message: `${check.name}: nothing found`,
        evidence: [],
      });
      continue;
    }
    for (const [id, fs] of found) {
      const first = fs[0]!;
      const error = fs.some((f) => f.severity === 'error');
      lines.push({
        id,
        section: 'preflight',
        title: `${first.id}${first.objects.length ? ` (${first.objects.join(', ')})` : ''}`,
        status: error ? 'fail' : 'warning',
        target: describe(first.check),
        message: fs.map((f) => f.message).join('; '),
        evidence: [],
      });
    }
  }
  // Findings of a check the report does not list (a report built by hand): still lines, never dropped.
  for (const [id, fs] of byId) {
    if (lines.some((l) => l.id === id)) continue;
    lines.push({
      id,
      section: 'preflight',
      title: fs[0]!.id,
      status: fs.some((f) => f.severity === 'error') ? 'fail' : 'warning',
      message: fs.map((f) => f.message).join('; '),
      evidence: [],
    });
  }
  return lines;
}
