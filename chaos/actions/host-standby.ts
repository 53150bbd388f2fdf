import { z } from 'zod';
import { HavocError } from '../../core/errors.js';
import type { CrmMonStatus } from '../../protocols/pacemaker/index.js';
import type { Fault, Observation } from '../fault.js';
import { actionOptions } from '../fault-options.js';
import { clusterStatus, onCluster, waitForCluster } from '../pacemaker-cluster.js';
import { withXapiPool } from '../xapi-pool.js';
import { managerOf } from './ha-vm.js';

/** Moving every resource off a node (live migrations, one after another) may take minutes. */
const EVACUATE_MS = 8 * 60_000;
const UNSTANDBY_MS = 2 * 60_000;

const params = z.strictObject({ host: z.string().min(1) });
export type HostStandbyParams = z.infer<typeof params>;

/**
 * Puts a host in standby and waits until nothing runs on it. Pacemaker: the
 * node's permanent `standby` attribute (crm_attribute), until crm_mon shows
 * the node in standby with no resource on it; reverted by deleting the
 * attribute, seen out of standby. XenServer: host.disable then
 * host.evacuate; reverted by host.enable.
 */
export const hostStandby: Fault<HostStandbyParams> = {
  name: 'host-standby',
  kind: 'action',
  summary:
    'put a host in standby and move everything off it (Pacemaker node standby; XAPI host.disable + host.evacuate); -p host=NAME; reverted: standby off',
  params,
  requiresFencing: false,
  maxDurationMs: 4 * 60 * 60_000,

  fromCommandLine(targets, options) {
    return actionOptions('host-standby', targets, options, ['host']);
  },

  hosts: (p) => [p.host],

  async refuse(p, ctx) {
    let manager: string;
    try {
      manager = managerOf(ctx, 'host-standby');
    } catch (err) {
      return [err instanceof HavocError ? err.describe() : String(err)];
    }
    if (manager === 'libvirt')
      return ['host-standby needs a cluster manager (pacemaker or xapi): libvirt alone has no standby'];
    if (manager === 'pacemaker') {
      const { status } = await clusterStatus(ctx);
      const n = status.nodes.find((x) => x.name === p.host);
      if (!n)
        return [
          `${p.host} is not a node of the cluster (crm_mon shows ${status.nodes.map((x) => x.name).join(', ')})`,
        ];
      const reasons: string[] = [];
      if (!n.online) reasons.push(`${p.host} is not online`);
      if (n.standby)
        reasons.push(
          `${p.host} is already in standby (another action, or one not healed: havoc chaos status)`,
        );
      if (!status.nodes.some((x) => x.name !== p.host && x.online && !x.standby))
        reasons.push(`no other online node would take ${p.host}'s resources`);
      return reasons;
    }
    const enabled = await withXapiPool(ctx, 'host enabled?', (pool) => pool.hostEnabled(p.host));
    return enabled ? [] : [`XAPI host ${p.host} is already disabled`];
  },

  describe(p) {
    return {
      summary: `put ${p.host} in standby and move its resources off`,
      targets: [p.host],
      revert: `take ${p.host} out of standby (Pacemaker: crm_attribute --node ${p.host} --name standby --delete; XAPI: host.enable)`,
      secretRefs: [],
    };
  },

  async inject(p, ctx) {
    if (managerOf(ctx, 'host-standby') === 'pacemaker') {
      await onCluster(ctx, [
        'crm_attribute',
        '--node',
        p.host,
        '--name',
        'standby',
        '--update',
        'on',
        '--lifetime',
        'forever',
      ]);
      await waitForCluster(ctx, `${p.host} in standby with nothing on it`, EVACUATE_MS, (st) =>
        standbyState(st, p.host) === 'in-effect' ? true : undefined,
      );
      return { action: { host: p.host, manager: 'pacemaker' } };
    }
    await withXapiPool(ctx, `host.disable + host.evacuate ${p.host}`, async (pool) => {
      const ref = await pool.hostRef(p.host);
      await pool.call('host.disable', ref);
      await pool.call('host.evacuate', ref);
    });
    return { action: { host: p.host, manager: 'xapi' } };
  },

  async verify(p, ctx) {
    if (managerOf(ctx, 'host-standby') === 'pacemaker') {
      const { node, status } = await clusterStatus(ctx);
      const n = status.nodes.find((x) => x.name === p.host);
      const on = resourcesOn(status, p.host);
      return {
        state: standbyState(status, p.host),
        evidence: [
          `crm_mon on ${node}: ${p.host} ${n ? `${n.online ? 'online' : 'offline'}, ${n.standby ? 'standby' : 'not standby'}` : 'not a node'}, resources on it: ${on.join(', ') || 'none'}`,
        ],
        leftBehind: n?.standby ? [`${p.host} in standby`] : [],
      };
    }
    return withXapiPool(ctx, `${p.host} enabled?`, async (pool) => {
      const ref = await pool.hostRef(p.host);
      const enabled = await pool.hostEnabled(p.host);
      const on = (await pool.vms()).filter((v) => v.residentOn === ref && v.powerState === 'Running');
      const state: Observation['state'] =
        !enabled && on.length === 0 ? 'in-effect' : enabled ? 'absent' : 'partial';
      return {
        state,
        evidence: [
          `XAPI host ${p.host}: enabled ${enabled}, VMs resident: ${on.map((v) => v.nameLabel).join(', ') || 'none'}`,
        ],
        leftBehind: enabled ? [] : [`${p.host} disabled`],
      };
    });
  },

  async revert(p, ctx) {
    if (managerOf(ctx, 'host-standby') === 'pacemaker') {
      // Deleting an attribute that is not there exits 0 on Pacemaker 2.1 ("Deleted ..." or nothing): idempotent.
      await onCluster(ctx, [
        'crm_attribute',
        '--node',
        p.host,
        '--name',
        'standby',
        '--delete',
        '--lifetime',
        'forever',
      ]);
      await waitForCluster(ctx, `${p.host} out of standby`, UNSTANDBY_MS, (st) => {
        const n = st.nodes.find((x) => x.name === p.host);
        return n && !n.standby ? true : undefined;
      });
      return;
    }
    await withXapiPool(ctx, `host.enable ${p.host}`, async (pool) => {
      await pool.call('host.enable', await pool.hostRef(p.host));
    });
  },
};

function resourcesOn(status: CrmMonStatus, host: string): string[] {
  return status.resources.filter((r) => r.active && r.nodes.includes(host)).map((r) => r.id);
}

function standbyState(status: CrmMonStatus, host: string): Observation['state'] {
  const n = status.nodes.find((x) => x.name === host);
  if (!n?.standby) return 'absent';
  return resourcesOn(status, host).length === 0 && n.resourcesRunning === 0 ? 'in-effect' : 'partial';
}
