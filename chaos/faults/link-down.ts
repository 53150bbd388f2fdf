import { z } from 'zod';
import { pollUntil } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import type { FenceDevice } from '../../fencers/device.js';
import {
  createSwitchPortsDevice,
  resolveSwitchSecrets,
  type SwitchPortsTarget,
  writeCredentials,
} from '../../fencers/devices/switch-ports.js';
import type { Inventory, SwitchPortRef } from '../../inventory/schema.js';
import { hostByName, hostInterfaces, switchPortsOf } from '../../inventory/topology.js';
import { readPortStatus } from '../../protocols/snmp/if-mib.js';
import { PortLookupCache, resolvePorts } from '../../protocols/snmp/port-lookup.js';
import { SnmpSession } from '../../protocols/snmp/session.js';
import type { Fault, FaultContext, Observation } from '../fault.js';
import { refuseUnknownOptions } from '../fault-options.js';

/** Deadline of one SNMP operation; the wait for the oper state has its own, longer one. */
const SNMP_MS = 3_000;
/** A port's oper state follows its admin state within a second on a switch; allow a loaded one. */
const SETTLE_MS = 60_000;

const params = z.strictObject({
  host: z.string().min(1),
  /** What was asked for, for the summary: a network (every port of the host on it) or one port. */
  scope: z.union([
    z.strictObject({ network: z.string().min(1) }),
    z.strictObject({ port: z.string().min(1) }),
  ]),
  /** The switch ports, resolved from the inventory when the fault was asked for: what a heal brings back up. */
  ports: z.array(z.strictObject({ switch: z.string().min(1), port: z.string().min(1) })).min(1),
});
export type LinkDownParams = z.infer<typeof params>;

const CLI_OPTIONS = new Set(['network', 'port', 'switch']);

/**
 * Sets switch ports admin down over SNMP (IF-MIB ifAdminStatus, with the
 * switch-ports fence device's own SET path): one port of a host (a bond
 * slave) or every port of the host on one network. Verified by reading
 * ifOperStatus down on the switch; reverted admin up, verified oper up.
 */
export const linkDown: Fault<LinkDownParams> = {
  name: 'link-down',
  kind: 'fault',
  summary:
    'set switch ports admin down over SNMP; TARGET is one host, -p network=NAME (its every port on that network) or -p port=NAME [-p switch=NAME] (one of its ports)',
  params,
  requiresFencing: true,
  maxDurationMs: 60 * 60_000,

  fromCommandLine(targets, options, inventory) {
    refuseUnknownOptions(
      'link-down',
      options,
      CLI_OPTIONS,
      'its parameters are network=NAME, or port=NAME with an optional switch=NAME',
    );
    if (targets.length !== 1)
      throw new HavocError('usage', `link-down acts on one host, got ${targets.length}`, {
        hint: 'havoc chaos inject link-down HOST -p network=NAME',
      });
    const name = targets[0]!;
    const { network, port } = options;
    if ((network === undefined) === (port === undefined))
      throw new HavocError('usage', 'link-down needs exactly one of -p network=NAME and -p port=NAME');
    if (options.switch !== undefined && port === undefined)
      throw new HavocError('usage', 'link-down: -p switch=NAME goes with -p port=NAME');
    const host = hostByName(inventory, name);
    // An unknown host is the engine's refusal to give (recorded in the ledger); it has no ports here.
    if (!host)
      return { host: name, scope: network ? { network } : { port }, ports: [{ switch: '?', port: '?' }] };
    if (network !== undefined) {
      if (!inventory.networks.some((n) => n.name === network))
        throw new HavocError('usage', `link-down: network "${network}" is not in the inventory`, {
          hint: `its networks: ${inventory.networks.map((n) => n.name).join(', ')}`,
        });
      const ports = switchPortsOf(host, [network]);
      if (ports.length === 0)
        throw new HavocError('usage', `link-down: host ${name} has no switch port on network ${network}`, {
          hint: `declare switchPort on the host's NICs or bond slaves of ${network}`,
        });
      return { host: name, scope: { network }, ports };
    }
    const own = hostInterfaces(host)
      .flatMap((i) => i.switchPorts)
      .filter((p) => p.port === port && (options.switch === undefined || p.switch === options.switch));
    if (own.length !== 1)
      throw new HavocError(
        'usage',
        own.length === 0
          ? `link-down: host ${name} has no switch port "${port}"${options.switch ? ` on switch ${options.switch}` : ''}`
          : `link-down: host ${name} has port "${port}" on several switches (${own.map((p) => p.switch).join(', ')})`,
        {
          hint: `its ports: ${portList(hostInterfaces(host).flatMap((i) => i.switchPorts))}; add -p switch=NAME`,
        },
      );
    return { host: name, scope: { port: port! }, ports: own };
  },

  hosts: (p) => [p.host],

  async refuse(p, ctx) {
    const unknown = p.ports.filter((r) => !ctx.inventory.switches.some((s) => s.name === r.switch));
    if (unknown.length > 0)
      return [`switch ${unknown.map((r) => r.switch).join(', ')} is not in the inventory`];
    try {
      const down = (await portStates(p.ports, ctx)).filter((s) => s.admin !== 'up');
      return down.map(
        (s) =>
          `port ${s.ref.switch} ${s.ref.port} is already admin ${s.admin ?? 'unknown'}: link-down would bring it up on revert`,
      );
    } catch (err) {
      return [`the switch ports of ${p.host} cannot be read over SNMP: ${errorMessage(err)}`];
    }
  },

  describe(p) {
    const what = 'network' in p.scope ? `on network ${p.scope.network}` : `port ${p.scope.port}`;
    return {
      summary: `link down: ${p.host} ${what} (${portList(p.ports)})`,
      targets: [p.host],
      revert: `set ifAdminStatus up on ${portList(p.ports)} over SNMP and wait for ifOperStatus up`,
      secretRefs: [],
    };
  },

  async inject(p, ctx) {
    await withPortsDevice(p, ctx, (device) => device.off(ctx.signal));
    await settle(p, ctx, 'down');
  },

  async verify(p, ctx) {
    const states = await portStates(p.ports, ctx);
    const down = states.filter((s) => s.oper === 'down').length;
    const state: Observation['state'] =
      down === states.length ? 'in-effect' : down === 0 ? 'absent' : 'partial';
    return {
      state,
      evidence: states.map(
        (s) =>
          `${s.ref.switch} ${s.ref.port} (ifIndex ${s.ifIndex}): admin ${s.admin ?? 'unknown'}, oper ${s.oper ?? 'unknown'}`,
      ),
    };
  },

  async revert(p, ctx) {
    await withPortsDevice(p, ctx, (device) => device.on(ctx.signal));
    await settle(p, ctx, 'up');
  },
};

function portList(refs: readonly SwitchPortRef[]): string {
  return refs.map((r) => `${r.switch} ${r.port}`).join(', ');
}

function switchTargets(ports: readonly SwitchPortRef[], ctx: FaultContext): SwitchPortsTarget[] {
  const bySwitch = new Map<string, string[]>();
  for (const r of ports) bySwitch.set(r.switch, [...(bySwitch.get(r.switch) ?? []), r.port]);
  return [...bySwitch].map(([name, names]) => {
    const sw = switchOf(ctx.inventory, name);
    return {
      switch: sw,
      secrets: resolveSwitchSecrets(sw, (ref, where) => ctx.loaded.secrets.resolve(ref, where)),
      ports: names,
    };
  });
}

function switchOf(inv: Inventory, name: string) {
  const sw = inv.switches.find((s) => s.name === name);
  if (!sw) throw new HavocError('config', `switch ${name} is not in the inventory`);
  return sw;
}

/** The SET goes through the switch-ports fence device: its retry when an ifIndex moved is the one there is. */
async function withPortsDevice(p: LinkDownParams, ctx: FaultContext, use: (d: FenceDevice) => Promise<void>) {
  const device = createSwitchPortsDevice(switchTargets(p.ports, ctx), {
    hostName: p.host,
    timeoutMs: SNMP_MS,
  });
  try {
    await use(device);
  } finally {
    await device.close?.();
  }
}

/** Every port's admin and oper state as the switch reads them now (a GET per switch). */
async function portStates(ports: readonly SwitchPortRef[], ctx: FaultContext) {
  const perSwitch = await Promise.all(
    switchTargets(ports, ctx).map(async (t) => {
      const session = new SnmpSession({
        host: t.switch.address,
        port: t.switch.port,
        name: t.switch.name,
        credentials: writeCredentials(t.switch, t.secrets),
        timeoutMs: SNMP_MS,
        attemptTimeoutMs: 500,
      });
      try {
        const found = await resolvePorts(session, new PortLookupCache(), t.ports, ctx.signal);
        const states = await readPortStatus(
          session,
          [...found.values()].map((n) => n.ifIndex),
          ctx.signal,
        );
        return [...found].map(([port, n]) => ({
          ref: { switch: t.switch.name, port },
          ifIndex: n.ifIndex,
          admin: states.get(n.ifIndex)?.admin,
          oper: states.get(n.ifIndex)?.oper,
        }));
      } finally {
        session.close();
      }
    }),
  );
  return perSwitch.flat();
}

/** Waits until every port reads oper `want` on its switch. */
async function settle(p: LinkDownParams, ctx: FaultContext, want: 'up' | 'down') {
  let last = '';
  await pollUntil(
    async () => {
      const states = await portStates(p.ports, ctx);
      const behind = states.filter((s) => s.oper !== want);
      last = behind.map((s) => `${s.ref.switch} ${s.ref.port} oper ${s.oper ?? 'unknown'}`).join(', ');
      return behind.length === 0 ? true : undefined;
    },
    AbortSignal.any([ctx.signal, AbortSignal.timeout(SETTLE_MS)]),
    { initialMs: 100, maxMs: 1_000 },
  ).catch((err: unknown) => {
    throw new HavocError(
      want === 'down' ? 'inject' : 'revert',
      `admin ${want} was set but not every port reads oper ${want}: ${last || errorMessage(err)}`,
      { target: p.host },
    );
  });
}
