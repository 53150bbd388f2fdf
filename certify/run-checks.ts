import type { LoadedInventory } from '../inventory/load.js';
import type { Inventory } from '../inventory/schema.js';
import type { SshPool } from '../protocols/ssh/index.js';
import type { CheckResult, FactName, HostFacts, LiveCheck, SeenHost } from './check.js';
import type { HostFactValues } from './facts/fact-values.js';
import { gatherHostFacts } from './facts/gather.js';
import { gatherPoolFacts, type PoolFacts } from './facts/xapi-pool.js';

function missing(f: HostFacts, needs: readonly FactName[]): string | undefined {
  const gone = needs.filter((n) => f.values[n] === undefined);
  return gone.length ? gone.map((n) => `${n}: ${f.errors[n] ?? 'not gathered'}`).join('; ') : undefined;
}

/**
 * Judges one check on gathered facts (pure: tested on captured facts).
 * A host whose facts are missing makes the check an error, unless another
 * host already fails it: a failure seen is a failure, whatever the others.
 */
export function judgeCheck(
  check: LiveCheck,
  allHosts: readonly HostFacts[],
  inventory: Inventory,
  pool: PoolFacts = { error: 'the pool was not read (no XAPI checks were expected)' },
): CheckResult {
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
  const concerned = check.hosts ? new Set(check.hosts(inventory)) : undefined;
  const all = concerned ? allHosts.filter((f) => concerned.has(f.host)) : allHosts;
  if (check.kind === 'xapi-pool') {
    if (!pool.values)
      return { ...base, status: 'error', message: `XAPI: ${pool.error ?? 'not read'}`, hosts };
    const j = check.judge(pool.values, inventory);
    if (j.ok && j.unjudged)
      return { ...base, status: 'error', message: `${j.unjudged} (${j.detail})`, hosts };
    return { ...base, status: j.ok ? 'passing' : failing, message: j.detail, hosts };
  }
  if (check.kind === 'across-hosts') {
    const seen: SeenHost[] = [];
    const errors: string[] = [];
    for (const f of all) {
      const gone = missing(f, check.facts);
      if (gone) {
        hosts[f.host] = `error: ${gone}`;
        errors.push(f.host);
      } else seen.push({ host: f.host, values: f.values as HostFactValues });
    }
    const j = check.judge(seen, inventory);
    Object.assign(hosts, j.hosts ?? {});
    if (!j.ok) return { ...base, status: failing, message: j.detail, hosts };
    const unknown = [
      ...(errors.length ? [`could not gather facts from ${errors.join(', ')}`] : []),
      ...(j.unjudged ? [j.unjudged] : []),
    ];
    if (unknown.length)
      return { ...base, status: 'error', message: `${unknown.join('; ')} (${j.detail})`, hosts };
    return { ...base, status: 'passing', message: j.detail, hosts };
  }
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

/**
 * Gathers what the checks need (in parallel, read-only): from each host over
 * SSH the facts of the checks that concern it, and from the pool master's
 * XAPI the pool's records when a XenServer check applies; then judges each check.
 */
export async function runLiveChecks(
  checks: readonly LiveCheck[],
  inventory: Inventory,
  ssh: SshPool,
  signal: AbortSignal,
  loaded?: LoadedInventory,
): Promise<{ results: CheckResult[]; facts: HostFacts[]; pool: PoolFacts | undefined }> {
  const applicable = checks.filter((c) => !c.notApplicable?.(inventory));
  const neededOn = (host: string) => [
    ...new Set(
      applicable.filter((c) => !c.hosts || c.hosts(inventory).includes(host)).flatMap((c) => c.facts),
    ),
  ];
  const wantsPool = applicable.some((c) => c.kind === 'xapi-pool');
  const [facts, pool] = await Promise.all([
    Promise.all(inventory.hosts.map((h) => gatherHostFacts(h, neededOn(h.name), ssh, signal))),
    wantsPool
      ? loaded
        ? gatherPoolFacts(loaded, signal)
        : Promise.resolve<PoolFacts>({ error: 'no inventory secrets to log in to XAPI with' })
      : Promise.resolve(undefined),
  ]);
  return { results: checks.map((c) => judgeCheck(c, facts, inventory, pool)), facts, pool };
}
