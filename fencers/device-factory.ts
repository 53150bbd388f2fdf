import { HavocError } from '../core/errors.js';
import type { FenceDeviceConfig, HostConfig } from '../inventory/schema.js';
import { fencedSwitchPorts } from '../inventory/topology.js';
import type { CimcClient } from '../protocols/cimc/client.js';
import type { IpmiClient } from '../protocols/ipmi/index.js';
import type { RedfishClient } from '../protocols/redfish/client.js';
import type { FenceContext } from './context.js';
import type { FenceDevice } from './device.js';
import type { SwitchPortsTarget } from './devices/switch-ports.js';

/*
 * The one place fence devices are built from the inventory: the fencer
 * (fence-host.ts, fence_havoc), the exporter's fencing-readiness and bmc
 * collectors, and chaos power faults all get their devices and BMC clients
 * here, so what is checked is what fences.
 *
 * Device modules are imported when a level needs them: fence_havoc is a
 * program Pacemaker starts for every operation, and loading every protocol
 * (net-snmp alone costs ~0.3 s) would dominate an IPMI fence.
 */

type Builder<T extends FenceDeviceConfig['type']> = (
  host: HostConfig,
  config: Extract<FenceDeviceConfig, { type: T }>,
  ctx: FenceContext,
  where: string,
) => Promise<FenceDevice[]>;

/** A host's BMC client, by BMC type, with what to call it in messages. */
export type BmcClient =
  | { type: 'ipmi'; client: IpmiClient; description: string }
  | { type: 'redfish'; client: RedfishClient; description: string }
  | { type: 'cimc'; client: CimcClient; description: string };

/** Deadline of one BMC or SNMP exchange: the context's, capped so a status poll can retry within it. */
function exchangeMs(ctx: Pick<FenceContext, 'timeoutMs'>): { timeoutMs?: number } {
  return ctx.timeoutMs !== undefined ? { timeoutMs: Math.min(ctx.timeoutMs, 3000) } : {};
}

/** The client of a host's BMC, built from the inventory as its fence device builds it. */
export async function bmcClientOf(
  host: HostConfig,
  ctx: Pick<FenceContext, 'loaded' | 'ipmiMemory' | 'timeoutMs'>,
  where = `hosts.${host.name}`,
): Promise<BmcClient> {
  const bmc = host.bmc;
  if (!bmc) {
    throw new HavocError('config', `${where}: host ${host.name} has no bmc`, {
      hint: 'add a bmc: section to the host',
    });
  }
  const password = ctx.loaded.secrets.resolve(bmc.password, `hosts.${host.name}.bmc.password`);
  switch (bmc.type) {
    case 'ipmi': {
      const { ipmiClientOf, ipmiDescription } = await import('./devices/ipmi.js');
      const opts = { hostName: host.name, memory: ctx.ipmiMemory, ...exchangeMs(ctx) };
      return {
        type: 'ipmi',
        client: ipmiClientOf(bmc, password, opts),
        description: ipmiDescription(bmc, host.name),
      };
    }
    case 'redfish': {
      const { redfishClientOf, redfishDescription } = await import('./devices/redfish.js');
      return {
        type: 'redfish',
        client: redfishClientOf(bmc, password, host.name, ctx.loaded.redactor),
        description: redfishDescription(bmc, host.name),
      };
    }
    case 'cimc': {
      const { cimcClientOf, cimcDescription } = await import('./devices/cimc.js');
      return {
        type: 'cimc',
        client: cimcClientOf(bmc, password, host.name, ctx.loaded.redactor),
        description: cimcDescription(bmc, host.name),
      };
    }
  }
}

const bmcDevices: Builder<'bmc'> = async (host, _config, ctx, where) => {
  const bmc = await bmcClientOf(host, ctx, where);
  switch (bmc.type) {
    case 'ipmi': {
      const { ipmiDevice } = await import('./devices/ipmi.js');
      return [ipmiDevice(bmc.client, bmc.description, host.name)];
    }
    case 'redfish': {
      const { redfishDevice } = await import('./devices/redfish.js');
      return [redfishDevice(bmc.client, bmc.description)];
    }
    case 'cimc': {
      const { cimcDevice } = await import('./devices/cimc.js');
      return [cimcDevice(bmc.client, bmc.description)];
    }
  }
};

/** One device for the host's switch ports (inventory/topology.ts fencedSwitchPorts), across every switch involved. */
const switchPortDevices: Builder<'switch-ports'> = async (host, config, ctx, where) => {
  const refs = fencedSwitchPorts(host, config);
  if (refs.length === 0) {
    // Validation refuses such a level; an inventory built in code can still hold one.
    throw new HavocError(
      'config',
      `${where}: host ${host.name} has no switch port ${config.networks ? `on ${config.networks.join(', ')}` : 'listed'}: this level would fence nothing`,
      {
        hint: 'declare switchPort on the host NICs or bond slaves of those networks, or list ports explicitly',
      },
    );
  }
  const { createSwitchPortsDevice, resolveSwitchSecrets } = await import('./devices/switch-ports.js');
  const bySwitch = new Map<string, string[]>();
  for (const ref of refs) bySwitch.set(ref.switch, [...(bySwitch.get(ref.switch) ?? []), ref.port]);
  const targets: SwitchPortsTarget[] = [...bySwitch].map(([name, ports]) => {
    const sw = ctx.loaded.inventory.switches.find((s) => s.name === name);
    if (!sw) throw new HavocError('config', `${where}: unknown switch ${name}`);
    return {
      switch: sw,
      secrets: resolveSwitchSecrets(sw, (ref, w) => ctx.loaded.secrets.resolve(ref, w)),
      ports,
    };
  });
  return [
    createSwitchPortsDevice(targets, { hostName: host.name, lookups: ctx.portLookups, ...exchangeMs(ctx) }),
  ];
};

const virshDevices: Builder<'virsh'> = async (host, config, ctx, where) => {
  const hypervisor = ctx.loaded.inventory.hosts.find((h) => h.name === config.hypervisor);
  if (!hypervisor) throw new HavocError('config', `${where}: no host ${config.hypervisor} (the hypervisor)`);
  const [{ createVirshDevice }, { SshPool }] = await Promise.all([
    import('./devices/virsh.js'),
    import('../protocols/ssh/pool.js'),
  ]);
  ctx.sshPool ??= new SshPool();
  return [createVirshDevice({ hypervisor, domain: config.domain }, ctx.sshPool, { hostName: host.name })];
};

/** One builder per device type in the inventory's fencing levels; adding a type is a file and a line here. */
const BUILDERS: { readonly [T in FenceDeviceConfig['type']]?: Builder<T> } = {
  bmc: bmcDevices,
  'switch-ports': switchPortDevices,
  virsh: virshDevices,
};

/** The devices of one fencing level of a host, ready to use; the caller closes them. */
export async function devicesOfLevel(
  host: HostConfig,
  levelIndex: number,
  ctx: FenceContext,
): Promise<FenceDevice[]> {
  const level = host.fencing.levels[levelIndex];
  if (!level) throw new HavocError('usage', `host ${host.name} has no fencing level ${levelIndex + 1}`);
  const perDevice = level.devices.map((config, d) => {
    const where = `hosts.${host.name}.fencing.levels[${levelIndex}].devices[${d}]`;
    const builder = BUILDERS[config.type] as Builder<typeof config.type> | undefined;
    if (!builder) {
      throw new HavocError(
        'config',
        `${where}: fence devices of type ${config.type} are not supported by this havoc build`,
      );
    }
    return builder(host, config, ctx, where);
  });
  return (await Promise.all(perDevice)).flat();
}
