import { execProgram } from '../../core/exec.js';
import type { LabStateStore } from '../state.js';
import { type LabTopology, networkByKey } from '../topology.js';
import { type HaPlan, VM_BRIDGE } from './ha-plan.js';

function batch(ns: string | undefined, lines: readonly string[], signal: AbortSignal) {
  const argv = ns ? ['ip', '-n', ns, '-batch', '-'] : ['ip', '-batch', '-'];
  return execProgram(argv, { signal, input: `${lines.join('\n')}\n` });
}

/**
 * Inside every host: a bridge for the VMs' taps with the host's data NIC as
 * its uplink, the host's data address moved onto the bridge (as on a KVM
 * host with a bridged NIC). A VM keeps its MAC and address wherever it runs;
 * the lab switch learns its new port from the frames it sends.
 */
export async function buildVmBridges(topo: LabTopology, plan: HaPlan, signal: AbortSignal): Promise<void> {
  await Promise.all(
    plan.nodes.map((n) => {
      const host = topo.hosts.find((h) => h.name === n.name)!;
      return batch(
        host.netns,
        [
          `link add ${VM_BRIDGE} mtu 1500 type bridge forward_delay 0 stp_state 0`,
          `addr del ${n.dataAddress}/24 dev ${n.dataNic}`,
          `addr add ${n.dataAddress}/24 dev ${VM_BRIDGE}`,
          `link set ${n.dataNic} master ${VM_BRIDGE}`,
          `link set ${VM_BRIDGE} up`,
        ],
        signal,
      );
    }),
  );
}

/**
 * The management station's port on the data network (a veth from the root
 * namespace to the switch's data bridge), so havoc probes the VMs' services
 * as a client on that network would. Recorded before it is created.
 */
export async function connectStationToData(
  store: LabStateStore,
  topo: LabTopology,
  plan: HaPlan,
  signal: AbortSignal,
): Promise<void> {
  const s = plan.stationData;
  const data = networkByKey(topo, 'data');
  store.update((st) => {
    if (!st.rootLinks.includes(s.link)) st.rootLinks.push(s.link);
  });
  await batch(
    undefined,
    [
      `link add ${s.link} mtu ${data.mtu} type veth peer name ${s.port} netns ${topo.switch.netns} mtu ${data.mtu}`,
    ],
    signal,
  );
  await Promise.all([
    batch(
      topo.switch.netns,
      [
        `link set ${s.port} master ${data.bridge}`,
        `link set ${s.port} alias "mgmt-station data"`,
        `link set ${s.port} up`,
      ],
      signal,
    ),
    batch(undefined, [`addr add ${s.address}/24 dev ${s.link}`, `link set ${s.link} up`], signal),
  ]);
}
