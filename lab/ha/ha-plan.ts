import { HavocError } from '../../core/errors.js';
import { type LabTopology, networkByKey } from '../topology.js';

/*
 * What `lab up --ha` puts on top of a lab, computed from the topology alone
 * (no side effects), so bring-up, inventory, status and tests agree on every
 * node address, VM address, MAC and port.
 */

export type FenceAgent = 'fence_ipmilan' | 'fence_havoc';
export const FENCE_AGENTS: readonly FenceAgent[] = ['fence_ipmilan', 'fence_havoc'];

/**
 * How Pacemaker runs the VMs: ocf:heartbeat:VirtualDomain through a libvirtd
 * on every host (what the reference deployments run), or havoc's own
 * ocf:havoc:qemu-vm, which drives QEMU over QMP without libvirt.
 */
export type VmAgent = 'virtualdomain' | 'qemu-vm';
export const VM_AGENTS: readonly VmAgent[] = ['virtualdomain', 'qemu-vm'];
export const DEFAULT_VM_AGENT: VmAgent = 'virtualdomain';

export const MAX_VMS = 16;
/** Bridge inside each host that the VMs' taps join, uplinked through the host's data NIC. */
export const VM_BRIDGE = 'br-vm';
export const VM_MEMORY_MIB = 128;
export const VM_VCPUS = 1;
const MIGRATION_PORT_BASE = 49152;
/** Score of a VM's preference for its home host; below the stickiness, so a moved VM stays where it is. */
export const HOME_HOST_SCORE = 50;
export const RESOURCE_STICKINESS = 100;
/** In two-node clusters the device that fences host1 waits, so host1 wins a fence race. */
export const TWO_NODE_FENCE_DELAY_S = 5;

export interface HaNode {
  name: string;
  nodeId: number;
  /** corosync link 0: the heartbeat network. */
  heartbeat: string;
  /** corosync link 1: the management network. */
  management: string;
  migration: string;
  dataNic: string;
  dataAddress: string;
  bmcAddress: string;
}

export interface HaVm {
  name: string;
  homeHost: string;
  ip: string;
  prefixLength: 24;
  mac: string;
  volume: string;
  migrationPort: number;
}

export interface HaPlan {
  clusterName: string;
  twoNode: boolean;
  fenceAgent: FenceAgent;
  vmAgent: VmAgent;
  nodes: HaNode[];
  vms: HaVm[];
  /** The management station's own address on the data network, so it can probe the VMs. */
  stationData: { link: string; address: string; port: string };
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

export function haPlan(
  topo: LabTopology,
  vmCount: number,
  volumes: readonly string[],
  fenceAgent: FenceAgent,
  vmAgent: VmAgent = DEFAULT_VM_AGENT,
): HaPlan {
  if (!Number.isInteger(vmCount) || vmCount < 0 || vmCount > MAX_VMS) {
    throw new HavocError('usage', `--vms ${vmCount}: between 0 and ${MAX_VMS}`);
  }
  if (vmCount > volumes.length) {
    throw new HavocError(
      'usage',
      `--vms ${vmCount} needs ${vmCount} NBD volumes, but the lab has ${volumes.length}`,
      { hint: `pass --volumes ${vmCount} or more` },
    );
  }
  if (!FENCE_AGENTS.includes(fenceAgent)) {
    throw new HavocError('usage', `--fence-agent ${fenceAgent}: one of ${FENCE_AGENTS.join(', ')}`);
  }
  if (!VM_AGENTS.includes(vmAgent)) {
    throw new HavocError('usage', `--vm-agent ${vmAgent}: one of ${VM_AGENTS.join(', ')}`);
  }
  const data = networkByKey(topo, 'data');
  const nicOn = (h: LabTopology['hosts'][number], key: string) => {
    const nic = h.nics.find((n) => n.network === key);
    if (!nic) throw new Error(`lab host ${h.name} has no NIC on ${key}`);
    return nic;
  };
  const nodes = topo.hosts.map((h) => ({
    name: h.name,
    nodeId: h.n,
    heartbeat: nicOn(h, 'hb').address,
    management: nicOn(h, 'mgmt').address,
    migration: nicOn(h, 'migr').address,
    dataNic: nicOn(h, 'data').name,
    dataAddress: nicOn(h, 'data').address,
    bmcAddress: h.bmcAddress,
  }));
  const vms = Array.from({ length: vmCount }, (_, i) => ({
    name: volumes[i]!,
    homeHost: topo.hosts[i % topo.hosts.length]!.name,
    ip: `${data.prefix}.${101 + i}`,
    prefixLength: 24 as const,
    // Locally administered (QEMU's 52:54:00 OUI), unique per lab slot and VM.
    mac: `52:54:00:${hex2(topo.slot)}:00:${hex2(i + 1)}`,
    volume: volumes[i]!,
    migrationPort: MIGRATION_PORT_BASE + i,
  }));
  return {
    clusterName: `${topo.lab}-lab`,
    twoNode: topo.hosts.length === 2,
    fenceAgent,
    vmAgent,
    nodes,
    vms,
    stationData: { link: `${topo.lab}-data`, address: `${data.prefix}.1`, port: 'swp-st-data' },
  };
}
