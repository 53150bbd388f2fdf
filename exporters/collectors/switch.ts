import type { Registry } from 'prom-client';
import { HavocError } from '../../core/errors.js';
import type { SwitchConfig } from '../../inventory/schema.js';
import {
  LACP_STATE_BITS as LACP_FLAGS,
  type LacpPortState as LacpState,
} from '../../protocols/lacp/port-state.js';
import { ADMIN_STATES, OPER_STATES } from '../../protocols/snmp/oids.js';
import { PortLookupCache } from '../../protocols/snmp/port-lookup.js';
import { type SnmpCredentials, SnmpSession } from '../../protocols/snmp/session.js';
import type { CollectContext, Collector } from '../collector.js';
import {
  counterFamily,
  gaugeFamily,
  registerGauge,
  registerSamples,
  type SampleSink,
} from '../metric-family.js';
import { renderHostPorts, SWITCH_HOST_PORT_METRICS } from './switch-host-ports.js';
import { collectSwitch, type SwitchPortSnapshot, type SwitchSnapshot } from './switch-snapshot.js';

/*
 * The switch module: IF-MIB ifTable/ifXTable and IEEE8023-LAG-MIB per port.
 * Names and aliases appear once, in havoc_switch_port_info, so renaming a
 * port description does not start new series for every counter (the
 * snmp_exporter habit of copying lookups onto every series does).
 */

const NAMES_MAX_AGE_MS = 300_000;

type Labels = Record<string, string>;

const port = ['ifindex'];

/** Every family the switch module emits; the catalogue (docs/metrics.md) is generated from these. */
export const SWITCH_METRICS = {
  info: gaugeFamily(
    'havoc_switch_port_info',
    'Names of a switch port (ifName, ifAlias, ifDescr); value 1. Cached between scrapes until the agent reports interface changes or for at most 5 minutes.',
    ['ifindex', 'name', 'alias', 'descr'],
  ),
  admin: gaugeFamily(
    'havoc_switch_port_admin_state',
    'IF-MIB ifAdminStatus as a state set: 1 for the current state.',
    ['ifindex', 'state'],
  ),
  oper: gaugeFamily(
    'havoc_switch_port_oper_state',
    'IF-MIB ifOperStatus as a state set: 1 for the current state.',
    ['ifindex', 'state'],
  ),
  mtu: gaugeFamily('havoc_switch_port_mtu_bytes', 'IF-MIB ifMtu.', port),
  speed: gaugeFamily(
    'havoc_switch_port_speed_bits_per_second',
    'IF-MIB ifHighSpeed, in bits per second.',
    port,
  ),
  receiveBytes: counterFamily('havoc_switch_port_receive_bytes_total', 'IF-MIB ifHCInOctets.', port),
  transmitBytes: counterFamily('havoc_switch_port_transmit_bytes_total', 'IF-MIB ifHCOutOctets.', port),
  receiveUnicastPackets: counterFamily(
    'havoc_switch_port_receive_unicast_packets_total',
    'IF-MIB ifHCInUcastPkts.',
    port,
  ),
  transmitUnicastPackets: counterFamily(
    'havoc_switch_port_transmit_unicast_packets_total',
    'IF-MIB ifHCOutUcastPkts.',
    port,
  ),
  receiveErrors: counterFamily('havoc_switch_port_receive_errors_total', 'IF-MIB ifInErrors.', port),
  transmitErrors: counterFamily('havoc_switch_port_transmit_errors_total', 'IF-MIB ifOutErrors.', port),
  receiveDiscards: counterFamily('havoc_switch_port_receive_discards_total', 'IF-MIB ifInDiscards.', port),
  transmitDiscards: counterFamily('havoc_switch_port_transmit_discards_total', 'IF-MIB ifOutDiscards.', port),
  aggregator: gaugeFamily(
    'havoc_switch_port_lacp_aggregator_ifindex',
    'IEEE8023-LAG-MIB dot3adAggPortAttachedAggID: ifIndex of the aggregator the port is attached to, 0 for none.',
    port,
  ),
  actor: gaugeFamily(
    'havoc_switch_port_lacp_actor_state',
    'IEEE8023-LAG-MIB dot3adAggPortActorOperState, one series per LACP state flag (1 set, 0 clear).',
    ['ifindex', 'flag'],
  ),
  partner: gaugeFamily(
    'havoc_switch_port_lacp_partner_state',
    'IEEE8023-LAG-MIB dot3adAggPortPartnerOperState, one series per LACP state flag (1 set, 0 clear).',
    ['ifindex', 'flag'],
  ),
  partnerInfo: gaugeFamily(
    'havoc_switch_port_lacp_partner_info',
    'IEEE8023-LAG-MIB partner system ID and key of a port; value 1. Members of one LAG must agree.',
    ['ifindex', 'system_id', 'key'],
  ),
  uptime: gaugeFamily('havoc_switch_uptime_seconds', 'SNMPv2-MIB sysUpTime of the agent, in seconds.'),
  namesCached: gaugeFamily(
    'havoc_switch_port_names_cached',
    '1 when the port names of this scrape came from the cache, 0 when they were walked.',
  ),
} as const;

const COUNTER_FIELDS = [
  'receiveBytes',
  'transmitBytes',
  'receiveUnicastPackets',
  'transmitUnicastPackets',
  'receiveErrors',
  'transmitErrors',
  'receiveDiscards',
  'transmitDiscards',
] as const satisfies readonly (keyof SwitchPortSnapshot & keyof typeof SWITCH_METRICS)[];

function oneHot(
  metric: SampleSink,
  base: Labels,
  states: readonly string[],
  current: string | undefined,
): void {
  for (const state of states) metric.add({ ...base, state }, state === current ? 1 : 0);
}

function flags(metric: SampleSink, base: Labels, state: LacpState | undefined): void {
  if (!state) return;
  for (const flag of LACP_FLAGS) metric.add({ ...base, flag }, state[flag] ? 1 : 0);
}

/** Fills a registry (fresh per scrape) from a snapshot. */
export function renderSwitchSnapshot(snapshot: SwitchSnapshot, registry: Registry): void {
  const m = SWITCH_METRICS;
  // Per-port families hold thousands of series on a large switch: appended, not set() one by one.
  const info = registerSamples(registry, m.info);
  const admin = registerSamples(registry, m.admin);
  const oper = registerSamples(registry, m.oper);
  const mtu = registerSamples(registry, m.mtu);
  const speed = registerSamples(registry, m.speed);
  const counters = COUNTER_FIELDS.map((field) => [field, registerSamples(registry, m[field])] as const);
  const aggregator = registerSamples(registry, m.aggregator);
  const actor = registerSamples(registry, m.actor);
  const partner = registerSamples(registry, m.partner);
  const partnerInfo = registerSamples(registry, m.partnerInfo);
  registerGauge(registry, m.uptime).set(snapshot.sysUpTimeTicks / 100);
  registerGauge(registry, m.namesCached).set(snapshot.namesCached ? 1 : 0);

  for (const port of snapshot.ports) {
    const base = { ifindex: String(port.ifIndex) };
    info.add({ ...base, name: port.name, alias: port.alias, descr: port.descr }, 1);
    oneHot(admin, base, ADMIN_STATES, port.admin);
    oneHot(oper, base, OPER_STATES, port.oper);
    if (port.mtuBytes !== undefined) mtu.add(base, port.mtuBytes);
    if (port.speedBitsPerSecond !== undefined) speed.add(base, port.speedBitsPerSecond);
    for (const [field, metric] of counters) {
      const value = port[field];
      if (typeof value === 'number' || typeof value === 'bigint') metric.add(base, Number(value));
    }
    if (port.lacp) {
      if (port.lacp.attachedAggregator !== undefined) aggregator.add(base, port.lacp.attachedAggregator);
      flags(actor, base, port.lacp.actor);
      flags(partner, base, port.lacp.partner);
      if (port.lacp.partnerSystemId !== undefined) {
        partnerInfo.add(
          { ...base, system_id: port.lacp.partnerSystemId, key: String(port.lacp.partnerKey ?? '') },
          1,
        );
      }
    }
  }
}

/** Read credentials of a switch: v2c's (read) community, or the v3 user. */
export function readCredentials(config: SwitchConfig, ctx: CollectContext): SnmpCredentials {
  const snmp = config.snmp;
  const where = `switches.${config.name}.snmp`;
  const resolve = ctx.loaded.secrets.resolve.bind(ctx.loaded.secrets);
  if (snmp.version === '2c')
    return { version: '2c', community: resolve(snmp.community, `${where}.community`) };
  return {
    version: '3',
    user: snmp.user,
    auth: { protocol: snmp.authProtocol, key: resolve(snmp.authKey, `${where}.authKey`) },
    priv: { protocol: snmp.privProtocol, key: resolve(snmp.privKey, `${where}.privKey`) },
  };
}

function namesCache(ctx: CollectContext, target: string): PortLookupCache {
  const key = `switch-port-names:${target}`;
  const existing = ctx.cache.get(key);
  if (existing instanceof PortLookupCache) return existing;
  const created = new PortLookupCache({ maxAgeMs: NAMES_MAX_AGE_MS });
  ctx.cache.set(key, created);
  return created;
}

export const switchCollector: Collector = {
  name: 'switch',
  module: 'switch',
  metrics: [...Object.values(SWITCH_METRICS), ...Object.values(SWITCH_HOST_PORT_METRICS)],
  appliesTo(target, ctx) {
    return ctx.loaded.inventory.switches.some((s) => s.name === target);
  },
  async collect(target, registry, ctx) {
    const config = ctx.loaded.inventory.switches.find((s) => s.name === target);
    if (!config) throw new HavocError('usage', `no switch ${target} in ${ctx.loaded.file}`);
    const session = new SnmpSession({
      host: config.address,
      port: config.port,
      name: config.name,
      credentials: readCredentials(config, ctx),
      // The scrape's signal carries Prometheus' deadline; this only bounds a runaway walk.
      timeoutMs: 60_000,
    });
    try {
      const snapshot = await collectSwitch(session, namesCache(ctx, target), ctx.signal);
      renderSwitchSnapshot(snapshot, registry);
      renderHostPorts(snapshot, ctx.loaded.inventory, target, registry);
    } finally {
      session.close();
    }
  },
};
