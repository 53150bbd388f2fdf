import { BlockList, isIPv4 } from 'node:net';
import type { Inventory } from '../../inventory/schema.js';
import { corosyncNodes, ringAddresses } from '../../protocols/corosync/corosync-conf.js';
import type { EveryHostCheck } from '../check.js';

/** The inventory network whose subnet holds `address`, if any. */
function networkOf(address: string, inventory: Inventory): string | undefined {
  for (const n of inventory.networks) {
    if (!n.subnet) continue;
    const [net, prefix] = n.subnet.split('/');
    const list = new BlockList();
    const family = isIPv4(net!) ? 'ipv4' : 'ipv6';
    list.addSubnet(net!, Number(prefix), family);
    if ((family === 'ipv4') === isIPv4(address) && list.check(address, family)) return n.name;
  }
  return undefined;
}

export const corosyncLinks: EveryHostCheck = {
  kind: 'every-host',
  id: 'corosync.links',
  title: 'corosync has two links per node, on different networks',
  severity: 'warning',
  why: 'with one link, one switch port or cable down makes the node look dead and it is fenced; two links on the same network share that failure',
  remediation:
    'give every node in the nodelist ring0_addr and ring1_addr on two different networks (knet), e.g. heartbeat and management',
  trento: ['DA114A', '32CFC6'],
  facts: ['corosyncConf'],
  judge(f, host, inventory) {
    const node = corosyncNodes(f.corosyncConf.conf).find((n) => n.name === host);
    if (!node) return { ok: false, detail: `no node named ${host} in the nodelist` };
    const rings = ringAddresses(node);
    const networks = rings.map((a) => networkOf(a, inventory) ?? `${a} (no inventory network)`);
    const distinct = new Set(networks).size;
    return {
      ok: rings.length >= 2 && distinct >= 2,
      detail: `${rings.length} link(s): ${rings.map((a, i) => `${a} on ${networks[i]}`).join(', ') || 'none'}`,
    };
  },
};
