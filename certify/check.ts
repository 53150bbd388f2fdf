import type { Inventory } from '../inventory/schema.js';
import type { HostFactValues } from './facts/fact-values.js';
import type { XapiPoolFacts } from './facts/xapi-pool.js';

/*
 * A live check (`havoc check`, and the first part of `havoc certify`): one
 * best practice of an HA cluster, judged on facts gathered read-only from
 * every host. Where SUSE's Trento has the same check its id is named and its
 * expectation kept, so a report reads the same to someone who knows Trento.
 */

export type Severity = 'critical' | 'warning';
export type FactName = keyof HostFactValues;

/** Facts of one host, or why each could not be gathered. */
export interface HostFacts {
  host: string;
  values: Partial<HostFactValues>;
  errors: Partial<Record<FactName, string>>;
}

export interface Judgement {
  ok: boolean;
  /** What was seen, e.g. "token 3000 ms (runtime), expected 5000". */
  detail: string;
}

interface CheckBase {
  id: string;
  title: string;
  severity: Severity;
  /** Why it matters, for the person reading the report. */
  why: string;
  remediation: string;
  /** Trento check ids with the same expectation. */
  trento?: readonly string[];
  facts: readonly FactName[];
  /** A reason the check does not apply to this inventory (a two-node rule on three nodes), or undefined. */
  notApplicable?(inventory: Inventory): string | undefined;
  /** The hosts the check concerns (the peers of a DRBD resource); by default every host of the inventory. */
  hosts?(inventory: Inventory): readonly string[];
}

/** Must hold on every host. */
export interface EveryHostCheck extends CheckBase {
  kind: 'every-host';
  judge(facts: HostFactValues, host: string, inventory: Inventory): Judgement;
}

/** The same value on every host (a file, a version). */
export interface SameOnEveryHostCheck extends CheckBase {
  kind: 'same-on-every-host';
  /** Named values (one per package, say): each must be the same on every host. */
  values(facts: HostFactValues, host: string): Record<string, string>;
}

/** About the cluster as a whole: judged on the facts of the first host that has them all (the CIB, crm_mon). */
export interface ClusterCheck extends CheckBase {
  kind: 'cluster';
  judge(facts: HostFactValues, inventory: Inventory): Judgement;
}

/** Facts of one host as an across-hosts check sees them: its required facts, and whatever else was gathered. */
export interface SeenHost {
  host: string;
  values: HostFactValues;
}

export interface AcrossHostsJudgement extends Judgement {
  /** What could not be judged from the hosts that answered (a VM seen on no host): an error unless !ok. */
  unjudged?: string;
  /** Per host, what was seen. */
  hosts?: Record<string, string>;
}

/**
 * Judged on the facts of every host at once (a VM's CPU against the CPUs of
 * every host it may run on). Hosts whose facts are missing are left out and
 * make the result an error, unless what the others show already fails it.
 */
export interface AcrossHostsCheck extends CheckBase {
  kind: 'across-hosts';
  judge(hosts: readonly SeenHost[], inventory: Inventory): AcrossHostsJudgement;
}

/** About a XenServer / XCP-ng pool, on the records its master's XAPI gives (not SSH): `facts` is empty. */
export interface PoolCheck extends CheckBase {
  kind: 'xapi-pool';
  judge(pool: XapiPoolFacts, inventory: Inventory): Judgement & { unjudged?: string };
}

export type LiveCheck = EveryHostCheck | SameOnEveryHostCheck | ClusterCheck | AcrossHostsCheck | PoolCheck;

/** passing; warning / critical: the check failed with that severity; error: the facts could not be gathered. */
export type CheckStatus = 'passing' | 'warning' | 'critical' | 'error' | 'not-applicable';

export interface CheckResult {
  id: string;
  title: string;
  severity: Severity;
  status: CheckStatus;
  /** One line: what was seen. */
  message: string;
  /** Per host, what was seen or why its facts are missing. */
  hosts: Record<string, string>;
  trento?: readonly string[];
  remediation: string;
  why: string;
}
