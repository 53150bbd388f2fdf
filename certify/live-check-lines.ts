import type { CertLine, LineStatus } from './certification.js';
import type { CheckResult, CheckStatus } from './check.js';

const STATUS: Record<CheckStatus, LineStatus> = {
  passing: 'pass',
  warning: 'warning',
  critical: 'fail',
  error: 'error',
  'not-applicable': 'not-applicable',
};

/**
 * The live checks as certification lines, `live.<check id>`: critical ->
 * fail, warning -> warning, error (facts not gathered) -> error, never a
 * pass or a fail. What each host showed is kept as a text evidence, so the
 * line's claim can be read host by host.
 */
export function liveCheckLines(results: readonly CheckResult[]): CertLine[] {
  return results.map((r) => {
    const hosts = Object.entries(r.hosts);
    return {
      id: `live.${r.id}`,
      section: 'live-checks',
      title: r.title,
      status: STATUS[r.status],
      target: `${r.title} (${r.severity})`,
      message: r.message,
      ...(r.status === 'passing' || r.status === 'not-applicable' ? {} : { remediation: r.remediation }),
      ...(r.trento?.length ? { references: r.trento.map((id) => `Trento ${id}`) } : {}),
      evidence: hosts.length
        ? [{ label: 'per host', text: hosts.map(([host, seen]) => `${host}: ${seen}`).join('\n') }]
        : [],
    };
  });
}
