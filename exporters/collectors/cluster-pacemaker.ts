import type { Registry } from 'prom-client';
import type { CrmMonStatus } from '../../protocols/pacemaker/index.js';
import type { Collector } from '../collector.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';
import { crmMonOfScrape } from './cluster-crm-mon.js';

/*
 * The cluster module's Pacemaker part, from crm_mon --output-as=xml on the
 * first reachable host. The target is the cluster's name.
 */

export const PCMK_ROLES = [
  'Stopped',
  'Started',
  'Promoted',
  'Unpromoted',
  'Starting',
  'Stopping',
  'Migrating',
  'Unknown',
] as const;
// Pacemaker before 2.1 (and some 2.1 outputs) still print the old names.
const ROLE_ALIASES: Record<string, (typeof PCMK_ROLES)[number]> = { Master: 'Promoted', Slave: 'Unpromoted' };

export const PACEMAKER_METRICS = {
  quorate: gaugeFamily('havoc_pacemaker_quorate', '1 when the partition that answered has quorum.'),
  dc: gaugeFamily(
    'havoc_pacemaker_dc_info',
    'The current designated controller; value 1 (absent without a DC).',
    ['node'],
  ),
  answeredBy: gaugeFamily(
    'havoc_pacemaker_answered_by_info',
    'The host whose crm_mon answered this scrape; value 1.',
    ['host'],
  ),
  online: gaugeFamily('havoc_pacemaker_node_online', '1 when the node is online in the cluster.', ['node']),
  standby: gaugeFamily(
    'havoc_pacemaker_node_standby',
    '1 when the node is in standby (or standby on-fail).',
    ['node'],
  ),
  unclean: gaugeFamily(
    'havoc_pacemaker_node_unclean',
    '1 when the node is unclean: it must be fenced before its resources can recover.',
    ['node'],
  ),
  maintenance: gaugeFamily('havoc_pacemaker_node_maintenance', '1 when the node is in maintenance mode.', [
    'node',
  ]),
  pending: gaugeFamily('havoc_pacemaker_node_pending', '1 while the node is joining.', ['node']),
  resource: gaugeFamily(
    'havoc_pacemaker_resource_info',
    'Where a resource instance runs and in which role; value 1.',
    ['resource', 'node', 'role'],
  ),
  role: gaugeFamily(
    'havoc_pacemaker_resource_role',
    'Role of a resource instance as a state set (node is empty for an instance not placed).',
    ['resource', 'node', 'state'],
  ),
  failed: gaugeFamily(
    'havoc_pacemaker_resource_failed',
    '1 when Pacemaker marks the resource instance failed.',
    ['resource', 'node'],
  ),
  failCount: gaugeFamily(
    'havoc_pacemaker_fail_count',
    'Fail count of a resource on a node (1000000 = INFINITY: banned from that node).',
    ['resource', 'node'],
  ),
  migrationThreshold: gaugeFamily(
    'havoc_pacemaker_migration_threshold',
    'Failures after which the resource leaves the node.',
    ['resource', 'node'],
  ),
  lastFence: gaugeFamily(
    'havoc_pacemaker_last_fence_timestamp_seconds',
    'When the last completed fence of the node finished (Unix time).',
    ['node'],
  ),
  lastFenceSuccess: gaugeFamily(
    'havoc_pacemaker_last_fence_success',
    '1 when the last completed fence of the node succeeded, 0 when it failed.',
    ['node'],
  ),
  fencePending: gaugeFamily('havoc_pacemaker_fence_pending', '1 while a fence of the node is in progress.', [
    'node',
  ]),
  stonithEnabled: gaugeFamily(
    'havoc_pacemaker_stonith_enabled',
    'Cluster option stonith-enabled: 1 when Pacemaker fences failed nodes, 0 when fencing is off (no safe recovery of a lost node).',
  ),
  maintenanceMode: gaugeFamily(
    'havoc_pacemaker_maintenance_mode',
    'Cluster option maintenance-mode: 1 while Pacemaker manages no resource at all.',
  ),
  activeNodes: gaugeFamily(
    'havoc_pacemaker_resource_active_nodes',
    "Nodes a resource runs on (crm_mon nodes_running_on, the largest over a clone's instances): above 1 a primitive runs twice.",
    ['resource'],
  ),
  blocked: gaugeFamily(
    'havoc_pacemaker_resource_blocked',
    '1 when Pacemaker blocks the resource instance (a failed stop without fencing): it will not recover by itself.',
    ['resource', 'node'],
  ),
  managed: gaugeFamily(
    'havoc_pacemaker_resource_managed',
    '1 when Pacemaker manages the resource instance, 0 when it is unmanaged (is-managed=false or maintenance): it will not fail over.',
    ['resource', 'node'],
  ),
  vmActiveNodes: gaugeFamily(
    'havoc_pacemaker_vm_active_nodes',
    'For every inventory VM with haPriority restart or best-effort: nodes its Pacemaker resource (the primitive named like the VM) runs on; 0 when it runs nowhere or no such resource exists, above 1 when it runs twice.',
    ['vm'],
  ),
} as const;

/** The inventory VMs Pacemaker is expected to keep running. */
export interface HaVm {
  name: string;
  haPriority: 'restart' | 'best-effort' | 'never';
}

/** Pacemaker prints "2026-10-05 12:02:42.088147Z" (and older versions without a zone: UTC). */
export function fenceTimestampSeconds(text: string): number | undefined {
  let iso = text.trim().replace(' ', 'T');
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

export function renderPacemaker(
  status: CrmMonStatus,
  answeredBy: string,
  registry: Registry,
  vms: readonly HaVm[] = [],
): void {
  const m = Object.fromEntries(
    Object.entries(PACEMAKER_METRICS).map(([k, f]) => [k, registerGauge(registry, f)]),
  ) as Record<keyof typeof PACEMAKER_METRICS, ReturnType<typeof registerGauge>>;
  m.answeredBy.set({ host: answeredBy }, 1);
  if (status.summary.withQuorum !== undefined) m.quorate.set(status.summary.withQuorum ? 1 : 0);
  if (status.summary.dcName) m.dc.set({ node: status.summary.dcName }, 1);
  if (status.summary.stonithEnabled !== undefined)
    m.stonithEnabled.set(status.summary.stonithEnabled ? 1 : 0);
  if (status.summary.maintenanceMode !== undefined)
    m.maintenanceMode.set(status.summary.maintenanceMode ? 1 : 0);
  const activeNodes = new Map<string, number>();
  for (const r of status.resources) {
    activeNodes.set(r.id, Math.max(activeNodes.get(r.id) ?? 0, r.nodesRunningOn));
  }
  for (const [resource, n] of activeNodes) m.activeNodes.set({ resource }, n);
  for (const vm of vms) {
    if (vm.haPriority !== 'never') m.vmActiveNodes.set({ vm: vm.name }, activeNodes.get(vm.name) ?? 0);
  }
  for (const n of status.nodes) {
    const l = { node: n.name };
    m.online.set(l, n.online ? 1 : 0);
    m.standby.set(l, n.standby || n.standbyOnfail ? 1 : 0);
    m.unclean.set(l, n.unclean ? 1 : 0);
    m.maintenance.set(l, n.maintenance ? 1 : 0);
    m.pending.set(l, n.pending ? 1 : 0);
  }
  const seen = new Set<string>();
  for (const r of status.resources) {
    const node = r.nodes[0] ?? '';
    const key = `${r.id}\u0000${node}`;
    // Stopped clone instances repeat one id with no node: one series for them is enough.
    if (seen.has(key)) continue;
    seen.add(key);
    const role = ROLE_ALIASES[r.role] ?? PCMK_ROLES.find((x) => x === r.role) ?? 'Unknown';
    for (const n of r.nodes) m.resource.set({ resource: r.id, node: n, role }, 1);
    for (const s of PCMK_ROLES) m.role.set({ resource: r.id, node, state: s }, s === role ? 1 : 0);
    m.failed.set({ resource: r.id, node }, r.failed ? 1 : 0);
    m.blocked.set({ resource: r.id, node }, r.blocked ? 1 : 0);
    m.managed.set({ resource: r.id, node }, r.managed ? 1 : 0);
  }
  for (const f of status.failCounts) {
    const l = { resource: f.resource, node: f.node };
    m.failCount.set(l, f.failCount);
    if (f.migrationThreshold !== undefined) m.migrationThreshold.set(l, f.migrationThreshold);
  }
  const last = new Map<string, { at: number; ok: boolean }>();
  for (const ev of status.fenceHistory ?? []) {
    if (ev.status === 'pending') {
      m.fencePending.set({ node: ev.target }, 1);
      continue;
    }
    const at = ev.completed ? fenceTimestampSeconds(ev.completed) : undefined;
    if (at === undefined) continue;
    const prev = last.get(ev.target);
    if (!prev || at > prev.at) last.set(ev.target, { at, ok: ev.status === 'success' });
  }
  for (const [node, { at, ok }] of last) {
    m.lastFence.set({ node }, at);
    m.lastFenceSuccess.set({ node }, ok ? 1 : 0);
  }
}

export const pacemakerCollector: Collector = {
  name: 'pacemaker',
  module: 'cluster',
  metrics: Object.values(PACEMAKER_METRICS),
  appliesTo(target, ctx) {
    const inv = ctx.loaded.inventory;
    return target === inv.cluster.name && inv.haManager?.type === 'pacemaker';
  },
  async collect(_target, registry, ctx) {
    const { host, status } = await crmMonOfScrape(ctx);
    renderPacemaker(status, host, registry, ctx.loaded.inventory.vms);
  },
};
