import type { Inventory } from '../inventory/schema.js';
import type { SshPool } from '../protocols/ssh/index.js';
import type { CheckResult, FactName, HostFacts, LiveCheck } from './check.js';
import type { HostFactValues } from './facts/fact-values.js';
import { gatherHostFacts } from './facts/gather.js';

function missing(f: HostFacts, needs: readonly FactName[]): string | undefined {
  const gone = needs.filter((n) => f.values[n] === undefined);
  return gone.length ? gone.map((n) => `${n}: ${f.errors[n] ?? 'not gathered'}`).join('; ') : undefined;
}

/**
 * Judges one check on gathered facts (pure: tested on captured facts).
 * A host whose facts are missing makes the check an error, unless another
 * host already fails it: a failure seen is a failure, whatever the others.
 */
export function judgeCheck(check: LiveCheck, all: readonly HostFacts[], inventory: Inventory): CheckResult {
  const base = {
    id: check.id,
    title: check.title,
    severity: check.severity,
    remediation: check.remediation,
    why: check.why,
    ...(check.trento ? { trento: check.trento } : {}),
  };
  const na = check.notApplicable?.(inventory);
  if (na) return { ...base, status: 'not-applicable', message: na, hosts: {} };
  const hosts: Record<string, string> = {};
  const failing = check.severity;
  if (check.kind === 'cluster') {
    const from = all.find((f) => missing(f, check.facts) === undefined);
    if (!from) {
      for (const f of all) hosts[f.host] = missing(f, check.facts) ?? '';
      return { ...base, status: 'error', message: 'no host gave the facts this check needs', hosts };
    }
    const j = check.judge(from.values as HostFactValues, inventory);
    hosts[from.host] = j.detail;
    return {
      ...base,
      status: j.ok ? 'passing' : failing,
      message: `${j.detail} (as ${from.host} sees it)`,
      hosts,
    };
  }
  const errors: string[] = [];
  if (check.kind === 'every-host') {
    const bad: string[] = [];
    for (const f of all) {
      const gone = missing(f, check.facts);
      if (gone) {
        hosts[f.host] = `error: ${gone}`;
        errors.push(f.host);
        continue;
      }
      const j = check.judge(f.values as HostFactValues, f.host, inventory);
      hosts[f.host] = j.detail;
      if (!j.ok) bad.push(`${f.host}: ${j.detail}`);
    }
    if (bad.length) return { ...base, status: failing, message: bad.join('; '), hosts };
    if (errors.length)
      return { ...base, status: 'error', message: `could not gather facts from ${errors.join(', ')}`, hosts };
    return { ...base, status: 'passing', message: `holds on ${all.map((f) => f.host).join(', ')}`, hosts };
  }
  const seen = new Map<string, Map<string, string[]>>();
  for (const f of all) {
    const gone = missing(f, check.facts);
    if (gone) {
      hosts[f.host] = `error: ${gone}`;
      errors.push(f.host);
      continue;
    }
    const values = check.values(f.values as HostFactValues, f.host);
    hosts[f.host] = Object.entries(values)
      .map(([k, v]) => `${k} ${v === '' ? '(not installed)' : v}`)
      .join(', ');
    for (const [k, v] of Object.entries(values)) {
      const byValue = seen.get(k) ?? new Map<string, string[]>();
      byValue.set(v, [...(byValue.get(v) ?? []), f.host]);
      seen.set(k, byValue);
    }
  }
  const differing = [...seen].filter(([, byValue]) => byValue.size > 1);
  if (differing.length) {
    const message = differing
      .map(
        ([k, byValue]) =>
          `${k} differs: ${[...byValue].map(([v, hs]) => `${v === '' ? '(not installed)' : v} on ${hs.join(', ')}`).join(' vs ')}`,
      )
      .join('; ');
    return { ...base, status: failing, message, hosts };
  }
  if (errors.length)
    return { ...base, status: 'error', message: `could not gather facts from ${errors.join(', ')}`, hosts };
  return { ...base, status: 'passing', message: `the same on ${all.map((f) => f.host).join(', ')}`, hosts };
}

/** Gathers what the checks need from every host (in parallel, read-only) and judges each check. */
export async function runLiveChecks(
  checks: readonly LiveCheck[],
  inventory: Inventory,
  ssh: SshPool,
  signal: AbortSignal,
): Promise<{ results: CheckResult[]; facts: HostFacts[] }> {
  const needed = [...new Set(checks.filter((c) => !c.notApplicable?.(inventory)).flatMap((c) => c.facts))];
  const facts = await Promise.all(inventory.hosts.map((h) => gatherHostFacts(h, needed, ssh, signal)));
  return { results: checks.map((c) => judgeCheck(c, facts, inventory)), facts };
}
