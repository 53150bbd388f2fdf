import type { Inventory, SecretRef } from './schema.js';
import { formatPath, type YamlPath } from './yaml-source.js';

export interface LocatedSecretRef {
  path: string;
  ref: SecretRef;
}

/** Every secret reference in an inventory, with its YAML path. */
export function secretRefsOf(inv: Inventory): LocatedSecretRef[] {
  const out: LocatedSecretRef[] = [];
  const push = (path: YamlPath, ref: SecretRef | undefined) => {
    if (ref) out.push({ path: formatPath(path), ref });
  };
  inv.hosts.forEach((host, h) => push(['hosts', h, 'bmc', 'password'], host.bmc?.password));
  inv.switches.forEach((sw, s) => {
    if (sw.snmp.version === '2c') {
      push(['switches', s, 'snmp', 'community'], sw.snmp.community);
      push(['switches', s, 'snmp', 'writeCommunity'], sw.snmp.writeCommunity);
    } else {
      push(['switches', s, 'snmp', 'authKey'], sw.snmp.authKey);
      push(['switches', s, 'snmp', 'privKey'], sw.snmp.privKey);
    }
  });
  if (inv.haManager?.type === 'xapi') push(['haManager', 'password'], inv.haManager.password);
  return out;
}
