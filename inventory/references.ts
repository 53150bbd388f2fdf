import type { InventoryIssue } from './issues.js';
import type { Inventory } from './schema.js';
import { fencedSwitchPorts } from './topology.js';
import { formatPath, positionOf, type YamlPath, type YamlSource } from './yaml-source.js';

/**
 * Cross-references the schema cannot express: names that must exist, names
 * that must be unique, settings that contradict each other.
 */
export function checkReferences(inv: Inventory, source: YamlSource): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  const add = (path: YamlPath, message: string, found?: string, expected?: string) => {
    issues.push({
      path: formatPath(path),
      ...positionOf(source, path),
      message,
      ...(found !== undefined ? { found } : {}),
      ...(expected !== undefined ? { expected } : {}),
    });
  };

  const names = <T extends { name: string }>(list: readonly T[], section: string) => {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const first = seen.get(item.name);
      if (first !== undefined) {
        add(
          [section, i, 'name'],
          `duplicate name "${item.name}"`,
          undefined,
          `unique names (first used at ${section}[${first}])`,
        );
      } else seen.set(item.name, i);
    });
    return new Set(list.map((x) => x.name));
  };
  const hosts = names(inv.hosts, 'hosts');
  const networks = names(inv.networks, 'networks');
  const switches = names(inv.switches, 'switches');
  const storage = names(inv.storage, 'storage');

  const must = (set: Set<string>, what: string, value: string, path: YamlPath) => {
    if (!set.has(value)) {
      const known = [...set];
      add(
        path,
        `unknown ${what} "${value}"`,
        undefined,
        known.length
          ? `one of ${known.join(', ')}`
          : `a ${what} defined under ${what === 'host' ? 'hosts' : `${what}es`.replace('ches', 'ches')}`,
      );
    }
  };
  const mustNetwork = (value: string, path: YamlPath) => must(networks, 'network', value, path);
  const mustSwitch = (value: string, path: YamlPath) => must(switches, 'switch', value, path);

  inv.switches.forEach((sw, i) => {
    if (sw.stackedWith !== undefined) {
      mustSwitch(sw.stackedWith, ['switches', i, 'stackedWith']);
      if (sw.stackedWith === sw.name)
        add(['switches', i, 'stackedWith'], 'a switch cannot be stacked with itself');
    }
  });

  inv.hosts.forEach((host, h) => {
    host.nics.forEach((nic, n) => {
      nic.networks.forEach((net, k) => mustNetwork(net, ['hosts', h, 'nics', n, 'networks', k]));
      if (nic.switchPort) mustSwitch(nic.switchPort.switch, ['hosts', h, 'nics', n, 'switchPort', 'switch']);
    });
    host.bonds.forEach((bond, b) => {
      bond.networks.forEach((net, k) => mustNetwork(net, ['hosts', h, 'bonds', b, 'networks', k]));
      bond.slaves.forEach((slave, s) => {
        if (slave.switchPort)
          mustSwitch(slave.switchPort.switch, ['hosts', h, 'bonds', b, 'slaves', s, 'switchPort', 'switch']);
      });
    });
    const bmc = host.bmc;
    if (bmc?.type === 'ipmi' && bmc.cipherSuites.includes(0) && !bmc.allowCipherSuite0) {
      add(
        ['hosts', h, 'bmc', 'cipherSuites'],
        'cipher suite 0 sends commands without authentication (many BMCs accept it with ANY password)',
        undefined,
        'suites 17 and/or 3, or set allowCipherSuite0: true if you accept that risk',
      );
    }
    if ((bmc?.type === 'redfish' || bmc?.type === 'cimc') && bmc.insecureTls && bmc.caFile) {
      add(
        ['hosts', h, 'bmc', 'insecureTls'],
        'insecureTls and caFile contradict each other',
        undefined,
        'one of them',
      );
    }
    host.fencing.levels.forEach((level, l) => {
      level.devices.forEach((dev, d) => {
        const at: YamlPath = ['hosts', h, 'fencing', 'levels', l, 'devices', d];
        if (dev.type === 'bmc' && !host.bmc)
          add(
            [...at, 'type'],
            `fencing level uses the BMC but host "${host.name}" has no bmc`,
            undefined,
            'a bmc: section on the host',
          );
        if (dev.type === 'switch-ports') {
          if (!dev.networks && !dev.ports)
            add(
              at,
              'a switch-ports device needs networks or ports',
              undefined,
              'networks: [storage, ...] or ports: [{switch, port}]',
            );
          if (
            dev.networks?.every((n) => networks.has(n)) &&
            !dev.ports &&
            fencedSwitchPorts(host, dev).length === 0
          )
            add(
              [...at, 'networks'],
              `host "${host.name}" has no switch port on ${dev.networks.join(', ')}: this level would fence nothing`,
              undefined,
              "switchPort on the host's NICs or bond slaves of those networks, or ports: [{switch, port}]",
            );
          dev.networks?.forEach((net, k) => mustNetwork(net, [...at, 'networks', k]));
          dev.ports?.forEach((p, k) => mustSwitch(p.switch, [...at, 'ports', k, 'switch']));
        }
        if (dev.type === 'virsh') must(hosts, 'host', dev.hypervisor, [...at, 'hypervisor']);
      });
    });
  });

  inv.storage.forEach((st, i) => {
    st.hosts?.forEach((h, k) => must(hosts, 'host', h, ['storage', i, 'hosts', k]));
    if (st.network !== undefined) mustNetwork(st.network, ['storage', i, 'network']);
    if (st.type === 'drbd') {
      st.resources.forEach((res, r) =>
        res.peers.forEach((p, k) => must(hosts, 'host', p, ['storage', i, 'resources', r, 'peers', k])),
      );
    }
  });

  if (inv.haManager?.type === 'pacemaker') {
    inv.haManager.via?.forEach((h, k) => must(hosts, 'host', h, ['haManager', 'via', k]));
    inv.haManager.heartbeatNetworks?.forEach((n, k) => mustNetwork(n, ['haManager', 'heartbeatNetworks', k]));
  }
  if (inv.haManager?.type === 'xapi' && inv.haManager.insecureTls && inv.haManager.caFile) {
    add(
      ['haManager', 'insecureTls'],
      'insecureTls and caFile contradict each other',
      undefined,
      'one of them',
    );
  }

  inv.vms.forEach((vm, i) => {
    must(hosts, 'host', vm.homeHost, ['vms', i, 'homeHost']);
    vm.allowedHosts?.forEach((h, k) => must(hosts, 'host', h, ['vms', i, 'allowedHosts', k]));
    if (vm.allowedHosts && hosts.has(vm.homeHost) && !vm.allowedHosts.includes(vm.homeHost)) {
      add(['vms', i, 'allowedHosts'], `the home host "${vm.homeHost}" is not among the allowed hosts`);
    }
    if (vm.storage !== undefined) must(storage, 'storage', vm.storage, ['vms', i, 'storage']);
  });

  return issues;
}
