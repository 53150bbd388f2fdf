import { HavocError } from '../../core/errors.js';
import type { Inventory } from '../../inventory/schema.js';
import { switchPortsOf } from '../../inventory/topology.js';
import type { Selector } from './schema.js';
import { pick } from './seeded-random.js';

/** What selectors may look at when a step starts: the inventory, where VMs run now, the step's random stream. */
export interface SelectionContext {
  inventory: Inventory;
  /** Hosts the VM runs on now (crm_mon); empty when stopped. */
  placement(vm: string): string[];
  rng: () => number;
  /** Values of the step's `select` names resolved so far. */
  vars: ReadonlyMap<string, string>;
}

export interface Selected {
  value: string;
  /** Parameters that go with the value (a port's switch). */
  also: Record<string, string>;
  /** How it was chosen, for the report and a replay: "the host running vm1 -> host2". */
  how: string;
}

const haVmNames = (inv: Inventory) => inv.vms.filter((v) => v.haPriority === 'restart').map((v) => v.name);

/** A `$name` or a plain name. */
export function nameOf(text: string, vars: ReadonlyMap<string, string>): string {
  if (!text.startsWith('$')) return text;
  const v = vars.get(text.slice(1));
  if (v === undefined) throw new HavocError('usage', `${text} is not a selector of this step (select:)`);
  return v;
}

/** A selector, not a plain mapping (an alert's labels): an object with one of the selectors' keys. */
export function isSelector(v: unknown): v is Selector {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    ('runningVm' in v || 'random' in v || 'storagePortOf' in v)
  );
}

export function resolveSelector(sel: Selector, ctx: SelectionContext): Selected {
  const inv = ctx.inventory;
  if ('runningVm' in sel) {
    const vm = nameOf(sel.runningVm, ctx.vars);
    const hosts = ctx.placement(vm);
    if (hosts.length !== 1)
      throw new HavocError(
        'suite',
        `the host running ${vm}: it runs on ${hosts.length ? hosts.join(', ') : 'no host'}`,
        {
          hint: 'the steady state should have caught this; check crm_mon',
        },
      );
    return { value: hosts[0]!, also: {}, how: `the host running ${vm} -> ${hosts[0]}` };
  }
  if ('random' in sel) {
    const except = new Set((sel.except ?? []).map((e) => nameOf(e, ctx.vars)));
    let pool: string[];
    switch (sel.random) {
      case 'host':
        pool = inv.hosts.map((h) => h.name);
        break;
      case 'vm':
        pool = inv.vms.map((v) => v.name);
        break;
      case 'haVm':
        pool = haVmNames(inv);
        break;
      case 'hostRunningHaVm':
        pool = [...new Set(haVmNames(inv).flatMap((v) => ctx.placement(v)))].sort();
        break;
    }
    pool = pool.filter((x) => !except.has(x));
    if (pool.length === 0)
      throw new HavocError(
        'suite',
        `no ${sel.random} to choose from${except.size ? ` except ${[...except].join(', ')}` : ''}`,
      );
    const value = pick(pool, ctx.rng);
    return { value, also: {}, how: `a random ${sel.random} of ${pool.join(', ')} -> ${value}` };
  }
  const hostName = nameOf(sel.storagePortOf, ctx.vars);
  const host = inv.hosts.find((h) => h.name === hostName);
  if (!host) throw new HavocError('suite', `storagePortOf: no host "${hostName}" in the inventory`);
  const storage = inv.networks.filter((n) => n.role === 'storage').map((n) => n.name);
  const ports = switchPortsOf(host, storage);
  if (ports.length === 0)
    throw new HavocError('suite', `storagePortOf: host ${hostName} has no switch port on a storage network`, {
      hint: storage.length
        ? `its storage networks: ${storage.join(', ')}`
        : 'the inventory has no network with role storage',
    });
  const p = pick(ports, ctx.rng);
  return {
    value: p.port,
    also: { switch: p.switch },
    how: `a storage port of ${hostName} (${ports.map((x) => `${x.switch}/${x.port}`).join(', ')}) -> ${p.switch}/${p.port}`,
  };
}
