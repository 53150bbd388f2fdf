import type { Inventory } from '../../inventory/schema.js';
import type { DrbdResourceConf } from '../../protocols/drbd/index.js';
import type { Judgement } from '../check.js';

/*
 * What the DRBD checks share: the resources the inventory declares, the
 * hosts that are their peers, and a resource's configuration on one host.
 */

export interface DeclaredDrbdResource {
  storage: string;
  name: string;
  device: string | undefined;
  peers: string[];
}

export function drbdResourcesOf(inventory: Inventory): DeclaredDrbdResource[] {
  return inventory.storage.flatMap((s) =>
    s.type === 'drbd'
      ? s.resources.map((r) => ({ storage: s.name, name: r.name, device: r.device, peers: r.peers }))
      : [],
  );
}

export const drbdNotApplicable = (inventory: Inventory) =>
  drbdResourcesOf(inventory).length ? undefined : 'no DRBD storage in the inventory';

export const drbdPeers = (inventory: Inventory) => [
  ...new Set(drbdResourcesOf(inventory).flatMap((r) => r.peers)),
];

/** The declared resources this host is a peer of, each with its configuration here (undefined: not configured). */
export function resourcesOnHost(
  host: string,
  conf: readonly DrbdResourceConf[],
  inventory: Inventory,
): { declared: DeclaredDrbdResource; conf: DrbdResourceConf | undefined }[] {
  return drbdResourcesOf(inventory)
    .filter((r) => r.peers.includes(host))
    .map((declared) => ({ declared, conf: conf.find((c) => c.name === declared.name) }));
}

/** Every value an option takes on a resource: its own, and each connection's where it sets its own. */
export function netValues(conf: DrbdResourceConf, option: string, fallback: string): string[] {
  const values = [conf.net[option] ?? fallback, ...conf.connections.map((c) => c.net[option] ?? fallback)];
  return [...new Set(values)];
}

/**
 * Judges every declared resource of the host on its configuration here: a
 * resource not configured fails; `one` says what is wrong with a configured
 * one (a problem) or what holds (ok), each joined into the judgement.
 */
export function judgeResourcesOnHost(
  host: string,
  conf: readonly DrbdResourceConf[],
  inventory: Inventory,
  one: (conf: DrbdResourceConf) => { problem: string } | { ok: string },
): Judgement {
  const bad: string[] = [];
  const good: string[] = [];
  for (const r of resourcesOnHost(host, conf, inventory)) {
    if (!r.conf) {
      bad.push(`${r.declared.name} not configured (not in drbdadm dump all)`);
      continue;
    }
    const seen = one(r.conf);
    if ('problem' in seen) bad.push(seen.problem);
    else good.push(seen.ok);
  }
  return bad.length ? { ok: false, detail: bad.join('; ') } : { ok: true, detail: good.join('; ') };
}
