import type { Registry } from 'prom-client';
import { HavocError } from '../../core/errors.js';
import { shCommand } from '../../core/shell-quote.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import {
  CIBADMIN_CONSTRAINTS_ARGV,
  type CliConstraint,
  cliConstraints,
  parseLocationConstraints,
} from '../../protocols/pacemaker/index.js';
import type { Collector } from '../collector.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';
import { crmMonOfScrape } from './cluster-crm-mon.js';
import { sshPoolOf } from './host-ssh.js';

/*
 * Location constraints that a move or ban left behind (cli-prefer-*,
 * cli-ban-*), read with cibadmin on the node whose crm_mon answered this
 * scrape. The count is always published (0 when clean), so "no constraint"
 * and "could not read" never look alike.
 */

export const CONSTRAINT_METRICS = {
  cliConstraints: gaugeFamily(
    'havoc_pacemaker_cli_constraints',
    'Location constraints left by a move or ban (ids cli-prefer-*, cli-ban-*); 0 when there are none.',
  ),
  cliConstraint: gaugeFamily(
    'havoc_pacemaker_cli_constraint',
    'One location constraint left by a move (kind prefer) or ban (kind ban); value 1.',
    ['constraint', 'resource', 'node', 'kind'],
  ),
} as const;

export function renderCliConstraints(found: readonly CliConstraint[], registry: Registry): void {
  registerGauge(registry, CONSTRAINT_METRICS.cliConstraints).set(found.length);
  const one = registerGauge(registry, CONSTRAINT_METRICS.cliConstraint);
  for (const c of found) one.set({ constraint: c.id, resource: c.resource, node: c.node, kind: c.kind }, 1);
}

export const constraintsCollector: Collector = {
  name: 'pacemaker-constraints',
  module: 'cluster',
  metrics: Object.values(CONSTRAINT_METRICS),
  appliesTo(target, ctx) {
    const inv = ctx.loaded.inventory;
    return target === inv.cluster.name && inv.haManager?.type === 'pacemaker';
  },
  async collect(_target, registry, ctx) {
    const { host: node } = await crmMonOfScrape(ctx);
    const host = ctx.loaded.inventory.hosts.find((h) => h.name === node);
    if (!host) throw new HavocError('config', `crm_mon answered on ${node}, which is not among the hosts`);
    const r = await sshPoolOf(ctx).exec(sshLoginOf(host), shCommand(CIBADMIN_CONSTRAINTS_ARGV), {
      signal: ctx.signal,
      what: 'cibadmin --query --scope constraints',
    });
    renderCliConstraints(cliConstraints(parseLocationConstraints(r.stdout)), registry);
  },
};
