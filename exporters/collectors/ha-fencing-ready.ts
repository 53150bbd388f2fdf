import { deadlineSignal } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import type { FenceDeviceConfig, HostConfig, SwitchPortRef } from '../../inventory/schema.js';
import { switchPortsOf } from '../../inventory/topology.js';
import { readPortStatus } from '../../protocols/snmp/if-mib.js';
import { PortLookupCache, resolvePorts } from '../../protocols/snmp/port-lookup.js';
import { SnmpSession } from '../../protocols/snmp/session.js';
import type { CollectContext, Collector } from '../collector.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';
import { readBmc } from './bmc.js';
import { sshPoolOf, sshTargetOf } from './host-ssh.js';
import { readCredentials } from './switch.js';

/*
 * Is every host fenceable right now? For each fencing level, every device of
 * the level is asked the cheap read its fence device would start with (IPMI
 * chassis status, Redfish/CIMC power state, SNMP GET of the switch ports,
 * virsh domstate on the hypervisor), under the scrape deadline. A host is
 * ready when at least one level answers completely. This reads through
 * protocols/ directly: exporters do not import fencers/ (DESIGN.md arrows).
 */

export const FENCING_READY_METRICS = {
  ready: gaugeFamily(
    'havoc_fencing_ready',
    '1 when at least one fencing level of the host has every device answering; 0 when none (or no level is configured).',
    ['host'],
  ),
  levelReady: gaugeFamily(
    'havoc_fencing_level_ready',
    '1 when every device of this fencing level (1-based) answered its monitor read.',
    ['host', 'level'],
  ),
} as const;

const DEVICE_MS = 4000;
const PORT_LOOKUPS_KEY = 'fencing-ready-port-lookups';

function cached<T>(ctx: CollectContext, key: string, make: () => T): T {
  if (!ctx.cache.has(key)) ctx.cache.set(key, make());
  return ctx.cache.get(key) as T;
}

async function checkBmc(host: HostConfig, ctx: CollectContext, signal: AbortSignal): Promise<void> {
  const bmc = host.bmc;
  if (!bmc) throw new HavocError('config', `host ${host.name} has a bmc fencing device but no bmc section`);
  const password = ctx.loaded.secrets.resolve(bmc.password, `hosts.${host.name}.bmc.password`);
  // The same read the bmc module does, under this device's own deadline.
  await readBmc(host, bmc, password, { ...ctx, signal });
}

async function checkSwitchPorts(
  refs: SwitchPortRef[],
  ctx: CollectContext,
  signal: AbortSignal,
): Promise<void> {
  if (refs.length === 0) throw new HavocError('config', 'switch-ports fencing device with no ports');
  const bySwitch = new Map<string, string[]>();
  for (const r of refs) bySwitch.set(r.switch, [...(bySwitch.get(r.switch) ?? []), r.port]);
  const lookups = cached(ctx, PORT_LOOKUPS_KEY, () => new Map<string, PortLookupCache>());
  await Promise.all(
    [...bySwitch].map(async ([name, ports]) => {
      const config = ctx.loaded.inventory.switches.find((s) => s.name === name);
      if (!config) throw new HavocError('config', `no switch ${name} in the inventory`);
      const session = new SnmpSession({
        host: config.address,
        port: config.port,
        name,
        credentials: readCredentials(config, ctx),
        timeoutMs: DEVICE_MS,
      });
      try {
        let cache = lookups.get(name);
        if (!cache) {
          cache = new PortLookupCache({ maxAgeMs: 300_000 });
          lookups.set(name, cache);
        }
        const resolved = await resolvePorts(session, cache, ports, signal);
        const status = await readPortStatus(
          session,
          [...resolved.values()].map((p) => p.ifIndex),
          signal,
        );
        const silent = [...status.values()].filter((s) => s.admin === undefined);
        if (silent.length > 0)
          throw new HavocError(
            'snmp',
            `switch ${name} has no ifAdminStatus for ifIndex ${silent.map((s) => s.ifIndex).join(', ')}`,
          );
      } finally {
        session.close();
      }
    }),
  );
}

async function checkDevice(
  host: HostConfig,
  device: FenceDeviceConfig,
  ctx: CollectContext,
  signal: AbortSignal,
): Promise<void> {
  switch (device.type) {
    case 'bmc':
      return checkBmc(host, ctx, signal);
    case 'switch-ports':
      return checkSwitchPorts(
        device.ports ?? switchPortsOf(host, device.networks ?? host.nics.flatMap((n) => n.networks)),
        ctx,
        signal,
      );
    case 'virsh': {
      const hv = ctx.loaded.inventory.hosts.find((h) => h.name === device.hypervisor);
      if (!hv) throw new HavocError('config', `no hypervisor host ${device.hypervisor}`);
      const quoted = `'${device.domain.replace(/'/g, `'\\''`)}'`;
      await sshPoolOf(ctx).exec(sshTargetOf(hv), `virsh domstate -- ${quoted}`, {
        signal,
        what: `virsh domstate ${device.domain}`,
      });
      return;
    }
  }
}

export const fencingReadyCollector: Collector = {
  name: 'fencing-ready',
  module: 'cluster',
  metrics: Object.values(FENCING_READY_METRICS),
  appliesTo(target, ctx) {
    return target === ctx.loaded.inventory.cluster.name;
  },
  async collect(_target, registry, ctx) {
    const hosts = ctx.loaded.inventory.hosts;
    const results = await Promise.all(
      hosts.map((host) =>
        Promise.all(
          host.fencing.levels.map(async (level, i) => {
            const outcomes = await Promise.all(
              level.devices.map((d) =>
                checkDevice(
                  host,
                  d,
                  ctx,
                  deadlineSignal(DEVICE_MS, `fencing device check of ${host.name}`, ctx.signal),
                ).then(
                  () => undefined,
                  (err: unknown) => errorMessage(err),
                ),
              ),
            );
            const problems = outcomes.filter((o): o is string => o !== undefined);
            if (problems.length > 0)
              ctx.log.warn({ host: host.name, level: i + 1, problems }, 'fencing level not ready');
            return problems.length === 0;
          }),
        ),
      ),
    );
    const ready = registerGauge(registry, FENCING_READY_METRICS.ready);
    const levelReady = registerGauge(registry, FENCING_READY_METRICS.levelReady);
    hosts.forEach((host, h) => {
      const levels = results[h] ?? [];
      levels.forEach((ok, i) => levelReady.set({ host: host.name, level: String(i + 1) }, ok ? 1 : 0));
      ready.set({ host: host.name }, levels.some(Boolean) ? 1 : 0);
    });
  },
};
