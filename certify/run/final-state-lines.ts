import type { CertLine, Evidence } from '../certification.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';

type Part = 'nodes' | 'placement' | 'constraints' | 'flags';

const TITLES: Record<Part | 'ledger', string> = {
  nodes: 'Every node as online as it was found',
  placement: 'Every VM on the node it was found on',
  constraints: 'The location constraints as they were found (none added, none removed)',
  flags: 'No standby or maintenance flag added or removed',
  ledger: 'The fault ledger empty: every fault injected was reverted',
};

function describe(value: unknown): string {
  if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
  if (value === undefined) return 'absent';
  return String(value);
}

/** Per key: what differs between the two maps (a key only in one counts as a difference). */
function differences(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys
    .filter((k) => JSON.stringify(before[k] ?? []) !== JSON.stringify(after[k] ?? []))
    .map((k) => `${k}: ${describe(before[k])} -> ${describe(after[k])}`);
}

/**
 * The final.* lines: the snapshot taken at the end compared with the one
 * taken first, part by part (pure). Both snapshots are evidence files.
 */
export function finalStateLines(
  before: ClusterSnapshot,
  after: ClusterSnapshot,
  evidence: readonly Evidence[],
): CertLine[] {
  const line = (part: Part | 'ledger', diffs: string[], same: string): CertLine => ({
    id: `final.${part}`,
    section: 'final-state',
    title: TITLES[part],
    status: diffs.length ? 'fail' : 'pass',
    measured: diffs.length ? diffs.join('; ') : same,
    target: part === 'ledger' ? 'no fault left unreverted' : 'the same as before the first destructive step',
    message: diffs.length ? `changed: ${diffs.join('; ')}` : `as found: ${same}`,
    evidence: [...evidence],
  });
  const constraintDiffs = [
    ...before.constraints.filter((c) => !after.constraints.includes(c)).map((c) => `removed ${c}`),
    ...after.constraints.filter((c) => !before.constraints.includes(c)).map((c) => `added ${c}`),
  ];
  return [
    line(
      'nodes',
      differences(before.nodes, after.nodes),
      Object.entries(after.nodes)
        .map(([n, s]) => `${n} ${s}`)
        .join(', '),
    ),
    line(
      'placement',
      differences(before.placement, after.placement),
      Object.entries(after.placement)
        .map(([vm, hosts]) => `${vm} on ${describe(hosts)}`)
        .join(', '),
    ),
    line('constraints', constraintDiffs, `${after.constraints.length} location constraint(s), unchanged`),
    line(
      'flags',
      differences(before.flags, after.flags),
      Object.values(after.flags).some((f) => f.length)
        ? Object.entries(after.flags)
            .filter(([, f]) => f.length)
            .map(([n, f]) => `${n} ${f.join('+')}`)
            .join(', ')
        : 'no node in standby or maintenance',
    ),
    line(
      'ledger',
      after.ledger.map((f) => `left: ${f}`),
      'empty',
    ),
  ];
}
