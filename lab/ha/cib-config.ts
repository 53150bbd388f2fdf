import {
  type HaNode,
  type HaPlan,
  type HaVm,
  HOME_HOST_SCORE,
  RESOURCE_STICKINESS,
  TWO_NODE_FENCE_DELAY_S,
  VM_BRIDGE,
  VM_MEMORY_MIB,
  VM_VCPUS,
} from './ha-plan.js';
import { MIGRATION_NAME_SUFFIX } from './libvirt-host.js';

/*
 * The lab cluster's CIB configuration as Pacemaker XML: properties, one
 * stonith device per node (kept off the node it fences), one VM primitive
 * per VM (ocf:heartbeat:VirtualDomain or ocf:havoc:qemu-vm) with live
 * migration allowed, and a mild preference for each VM's home host.
 */

/** Paths on the nodes the configuration refers to. */
export interface CibPaths {
  kernel: string;
  initrd: string;
  nbdHost: string;
  nbdPort: number;
  bmcPort: number;
  bmcUser: string;
  /** fence_ipmilan: a script printing the BMC password of `node`. */
  passwordScript: (node: string) => string;
  /** fence_havoc: the lab inventory it reads targets from. */
  inventory: string;
  /** VirtualDomain: the libvirt domain XML of a VM, a path every node sees. */
  domainConfig: (vm: string) => string;
}

const esc = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function nvpairs(prefix: string, pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `<nvpair id="${esc(`${prefix}-${k}`)}" name="${esc(k)}" value="${esc(String(v))}"/>`)
    .join('');
}

/** Cluster properties (crm_config) for the lab, applied with crm_attribute one by one. */
export function clusterProperties(): Record<string, string> {
  return {
    'stonith-enabled': 'true',
    // A fenced lab host stays off until the test (or a person) powers it on through its BMC.
    'stonith-action': 'off',
    'stonith-timeout': '40s',
    'cluster-recheck-interval': '1min',
    'no-quorum-policy': 'stop',
  };
}

export function resourceDefaults(): Record<string, string> {
  return { 'resource-stickiness': String(RESOURCE_STICKINESS) };
}

export function stonithId(node: string): string {
  return `fence-${node}`;
}

function stonithPrimitive(node: HaNode, plan: HaPlan, paths: CibPaths): string {
  const id = stonithId(node.name);
  const common: Record<string, string | number> = {
    pcmk_host_list: node.name,
    pcmk_host_check: 'static-list',
  };
  if (plan.twoNode && node.nodeId === 1) common.pcmk_delay_base = `${TWO_NODE_FENCE_DELAY_S}s`;
  const params: Record<string, string | number> =
    plan.fenceAgent === 'fence_ipmilan'
      ? {
          ip: node.bmcAddress,
          ipport: paths.bmcPort,
          lanplus: 1,
          cipher: 3,
          username: paths.bmcUser,
          // The password stays out of the CIB: fence_ipmilan runs this script and reads its first line.
          password_script: paths.passwordScript(node.name),
          ...common,
        }
      : // plug= makes the device's own monitor check this node's fencing path only, not every host's.
        { inventory: paths.inventory, plug: node.name, ...common };
  return (
    `<primitive id="${id}" class="stonith" type="${plan.fenceAgent}">` +
    `<instance_attributes id="${id}-ia">${nvpairs(`${id}-ia`, params)}</instance_attributes>` +
    // A start that fails while its node is still booting must not ban the device for good.
    `<meta_attributes id="${id}-meta">${nvpairs(`${id}-meta`, { 'failure-timeout': '20s' })}</meta_attributes>` +
    `<operations><op id="${id}-monitor-60s" name="monitor" interval="60s" timeout="20s"/></operations>` +
    '</primitive>'
  );
}

/** Operation timeouts of a VM resource; migrate_from waits for the whole memory transfer under TCG. */
const VM_OPS = [
  ['monitor', '5s', '30s'],
  ['start', '0s', '90s'],
  ['stop', '0s', '60s'],
  ['migrate_to', '0s', '60s'],
  ['migrate_from', '0s', '120s'],
] as const;

/** ocf:havoc:qemu-vm: QEMU driven over QMP, everything it needs in its parameters. */
function qemuVmParams(vm: HaVm, plan: HaPlan, paths: CibPaths): Record<string, string | number> {
  return {
    name: vm.name,
    memory: VM_MEMORY_MIB,
    vcpus: VM_VCPUS,
    kernel: paths.kernel,
    initrd: paths.initrd,
    ip: `${vm.ip}/${vm.prefixLength}`,
    mac: vm.mac,
    nbd_host: paths.nbdHost,
    nbd_port: paths.nbdPort,
    nbd_export: vm.volume,
    bridge: VM_BRIDGE,
    migration_addresses: plan.nodes.map((n) => `${n.name}=${n.migration}`).join(' '),
    migration_port: vm.migrationPort,
  };
}

/**
 * ocf:heartbeat:VirtualDomain: the domain XML, the local libvirtd, and live
 * migration to qemu+tcp://<target>-migr/system with the memory stream on
 * tcp:<target>-migr:<port>, both on the migration network (the nodes'
 * /etc/hosts names them). force_stop: the lab guest has no ACPI daemon, so
 * a graceful `virsh shutdown` would only wait out the stop timeout.
 */
function virtualDomainParams(vm: HaVm, paths: CibPaths): Record<string, string | number> {
  return {
    config: paths.domainConfig(vm.name),
    hypervisor: 'qemu:///system',
    migration_transport: 'tcp',
    migration_network_suffix: MIGRATION_NAME_SUFFIX,
    migrateport: vm.migrationPort,
    force_stop: 'true',
    // No placement strategy uses them, and setting them rewrites the CIB.
    autoset_utilization_cpu: 'false',
    autoset_utilization_hv_memory: 'false',
    autoset_utilization_host_memory: 'false',
  };
}

function vmPrimitive(vm: HaVm, plan: HaPlan, paths: CibPaths): string {
  const [provider, type, params] =
    plan.vmAgent === 'virtualdomain'
      ? ['heartbeat', 'VirtualDomain', virtualDomainParams(vm, paths)]
      : ['havoc', 'qemu-vm', qemuVmParams(vm, plan, paths)];
  const ops = VM_OPS.map(
    ([name, interval, timeout]) =>
      `<op id="${vm.name}-${name}-${interval}" name="${name}" interval="${interval}" timeout="${timeout}"/>`,
  ).join('');
  return (
    `<primitive id="${vm.name}" class="ocf" provider="${provider}" type="${type}">` +
    `<instance_attributes id="${vm.name}-ia">${nvpairs(`${vm.name}-ia`, params)}</instance_attributes>` +
    `<meta_attributes id="${vm.name}-meta">${nvpairs(`${vm.name}-meta`, { 'allow-migrate': 'true' })}</meta_attributes>` +
    `<operations>${ops}</operations>` +
    '</primitive>'
  );
}

/** The <resources> section: stonith devices first, then the VMs. */
export function resourcesXml(plan: HaPlan, paths: CibPaths): string {
  return `<resources>${plan.nodes.map((n) => stonithPrimitive(n, plan, paths)).join('')}${plan.vms
    .map((v) => vmPrimitive(v, plan, paths))
    .join('')}</resources>`;
}

/** The <constraints> section: no device runs on the node it fences; each VM leans to its home host. */
export function constraintsXml(plan: HaPlan): string {
  const fence = plan.nodes.map((n) => {
    const id = stonithId(n.name);
    return `<rsc_location id="${id}-not-on-self" rsc="${id}" node="${n.name}" score="-INFINITY"/>`;
  });
  const home = plan.vms.map(
    (v) =>
      `<rsc_location id="${v.name}-home" rsc="${v.name}" node="${v.homeHost}" score="${HOME_HOST_SCORE}"/>`,
  );
  return `<constraints>${[...fence, ...home].join('')}</constraints>`;
}
