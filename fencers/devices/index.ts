import { HavocError } from '../../core/errors.js';
import type { FenceDeviceConfig, HostConfig } from '../../inventory/schema.js';
import { switchPortsOf } from '../../inventory/topology.js';
import type { FenceContext } from '../context.js';
import type { FenceDevice } from '../device.js';
import type { SwitchPortsTarget } from './switch-ports.js';

/*
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

async function bmcDevices(
  host: HostConfig,
  _config: unknown,
  ctx: FenceContext,
  where: string,
): Promise<FenceDevice[]> {
  const bmc = host.bmc;
  if (!bmc) {
    throw new HavocError('config', `${where}: host ${host.name} has no bmc`, {
      hint: 'add a bmc: section to the host',
    });
  }
  const password = ctx.loaded.secrets.resolve(bmc.password, `hosts.${host.name}.bmc.password`);
  switch (bmc.type) {
    case 'ipmi': {
      const { createIpmiDevice } = await import('./ipmi.js');
      return [
        createIpmiDevice(bmc, password, {
          hostName: host.name,
          memory: ctx.ipmiMemory,
          ...(ctx.timeoutMs !== undefined ? { timeoutMs: Math.min(ctx.timeoutMs, 3000) } : {}),
        }),
      ];
    }
    case 'redfish': {
      const { createRedfishDevice } = await import('./redfish.js');
      return [createRedfishDevice(bmc, password, { hostName: host.name, redactor: ctx.loaded.redactor })];
    }
    case 'cimc': {
      const { createCimcDevice } = await import('./cimc.js');
      return [createCimcDevice(bmc, password, { hostName: host.name, redactor: ctx.loaded.redactor })];
    }
  }
}

/** One device for the host's ports on the level's networks (or explicit ports), across every switch involved. */
const switchPortDevices: Builder<'switch-ports'> = async (host, config, ctx, where) => {
  const { createSwitchPortsDevice, resolveSwitchSecrets } = await import('./switch-ports.js');
  const refs = [...(config.networks ? switchPortsOf(host, config.networks) : []), ...(config.ports ?? [])];
  if (refs.length === 0) {
    throw new HavocError(
      'config',
      `${where}: host ${host.name} has no switch port on ${config.networks?.join(', ')}`,
      {
        hint: 'declare switchPort on the host NICs or bond slaves of those networks, or list ports explicitly',
      },
    );
  }
  const bySwitch = new Map<string, string[]>();
  for (const ref of refs) {
    const ports = bySwitch.get(ref.switch) ?? [];
    if (!ports.includes(ref.port)) ports.push(ref.port);
    bySwitch.set(ref.switch, ports);
  }
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
    createSwitchPortsDevice(targets, {
      hostName: host.name,
      lookups: ctx.portLookups,
      ...(ctx.timeoutMs !== undefined ? { timeoutMs: Math.min(ctx.timeoutMs, 3000) } : {}),
    }),
  ];
};

const virshDevices: Builder<'virsh'> = async (host, config, ctx, where) => {
  const hypervisor = ctx.loaded.inventory.hosts.find((h) => h.name === config.hypervisor);
  if (!hypervisor) throw new HavocError('config', `${where}: no host ${config.hypervisor} (the hypervisor)`);
  const [{ createVirshDevice }, { SshPool }] = await Promise.all([
    import('./virsh.js'),
    import('../../protocols/ssh/pool.js'),
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

/** The devices of one fencing level of a host, ready to use. */
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
