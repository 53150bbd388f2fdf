import { execProgram, inNetns } from '../core/exec.js';
import type { LabStateStore } from './state.js';
import type { LabTopology } from './topology.js';

/*
 * Builds the lab's wiring: namespaces, the switch's bridges, one veth per
 * NIC between a host (or the station, or the storage host) and a switch port,
 * and the addresses. Each namespace and each root-namespace link is recorded
 * in the state before it is created; veth ends inside lab namespaces vanish
 * with their namespace.
 */

function batch(ns: string | undefined, lines: readonly string[], signal: AbortSignal) {
  const argv = ns ? ['ip', '-n', ns, '-batch', '-'] : ['ip', '-batch', '-'];
  return execProgram(argv, { signal, input: `${lines.join('\n')}\n` });
}

const q = (s: string) => `"${s.replace(/"/g, '')}"`;

export async function buildFabric(
  topo: LabTopology,
  store: LabStateStore,
  signal: AbortSignal,
): Promise<void> {
  const namespaces = [topo.switch.netns, topo.storage.netns, ...topo.hosts.map((h) => h.netns)];
  for (const ns of namespaces) {
    store.update((s) => {
      s.namespaces.push(ns);
    });
    await execProgram(['ip', 'netns', 'add', ns], { signal });
  }

  const sw = topo.switch.netns;
  const net = (key: string) => topo.networks.find((n) => n.key === key)!;
  await batch(
    sw,
    [
      'link set lo up',
      ...topo.networks.flatMap((n) => [
        `link add ${n.bridge} mtu ${n.mtu} type bridge forward_delay 0 stp_state 0`,
        `link set ${n.bridge} up`,
      ]),
      `addr add ${topo.switch.address}/24 dev ${net('mgmt').bridge}`,
      `addr add ${topo.switch.oobAddress}/24 dev ${net('oob').bridge}`,
      ...topo.hosts.map((h) => `addr add ${h.bmcAddress}/24 dev ${net('oob').bridge}`),
    ],
    signal,
  );
  // The switch routes between management and out-of-band, as an L3 switch would, so hosts reach the BMCs.
  await execProgram(inNetns(sw, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']), { signal });

  const stationLinks = topo.station.links.map((l) => l.name);
  store.update((s) => {
    s.rootLinks.push(...stationLinks);
  });
  const veths: string[] = [];
  for (const port of topo.ports) {
    const mtu = port.mtu;
    if (port.peer.kind === 'host') {
      const peer = port.peer;
      const host = topo.hosts.find((h) => h.name === peer.host)!;
      veths.push(
        `link add ${peer.nic} netns ${host.netns} mtu ${mtu} type veth peer name ${port.name} netns ${sw} mtu ${mtu}`,
      );
    } else if (port.peer.kind === 'station') {
      veths.push(
        `link add ${port.peer.link} mtu ${mtu} type veth peer name ${port.name} netns ${sw} mtu ${mtu}`,
      );
    } else {
      veths.push(
        `link add ${port.peer.nic} netns ${topo.storage.netns} mtu ${mtu} type veth peer name ${port.name} netns ${sw} mtu ${mtu}`,
      );
    }
  }
  await batch(undefined, veths, signal);

  await Promise.all([
    batch(
      sw,
      topo.ports.flatMap((p) => [
        `link set ${p.name} master ${net(p.network).bridge}`,
        `link set ${p.name} alias ${q(p.alias)}`,
        `link set ${p.name} up`,
      ]),
      signal,
    ),
    ...topo.hosts.map((h) =>
      // Host NICs stay down until the host is powered on (its chassis script raises them).
      batch(
        h.netns,
        ['link set lo up', ...h.nics.map((n) => `addr add ${n.address}/${n.prefixLength} dev ${n.name}`)],
        signal,
      ),
    ),
    batch(
      topo.storage.netns,
      [
        'link set lo up',
        `addr add ${topo.storage.nic.address}/24 dev ${topo.storage.nic.name}`,
        `link set ${topo.storage.nic.name} up`,
      ],
      signal,
    ),
    batch(
      undefined,
      topo.station.links.flatMap((l) => [`addr add ${l.address}/24 dev ${l.name}`, `link set ${l.name} up`]),
      signal,
    ),
  ]);
}

/** ifIndex of every interface in a namespace, by name. */
export async function ifIndexes(ns: string, signal: AbortSignal): Promise<Map<string, number>> {
  const { stdout } = await execProgram(['ip', '-n', ns, '-j', 'link', 'show'], { signal });
  const links = JSON.parse(stdout) as { ifindex: number; ifname: string }[];
  return new Map(links.map((l) => [l.ifname, l.ifindex]));
}
