import type { Registry } from 'prom-client';
import {
  LACP_STATE_BITS,
  type LacpPortState,
  lacpPortForwarding,
  MII_STATUSES,
  ZERO_MAC,
} from '../../protocols/bonding/index.js';
import { counterFamily, gaugeFamily, registerCounter, registerGauge } from '../metric-family.js';
import type { HostExpected } from './host-expected.js';
import type { HostBond } from './host-snapshot.js';

/*
 * Bonds, from /proc/net/bonding and sysfs. The point is the half-working
 * LACP bond that node_exporter shows as healthy (every slave "MII up" while
 * one sits in another aggregator or has no partner): havoc_bond_degraded says
 * so directly.
 */

const label = (s: string) => s.replace(/ /g, '_');

export const BOND_METRICS = {
  info: gaugeFamily('havoc_bond_info', 'Bond settings; value 1.', [
    'bond',
    'mode',
    'xmit_hash_policy',
    'lacp_rate',
    'ad_select',
  ]),
  miiUp: gaugeFamily('havoc_bond_mii_up', '1 when the bond itself reports MII status up.', ['bond']),
  slaves: gaugeFamily('havoc_bond_slaves', 'Slaves enslaved to the bond now (kernel view).', ['bond']),
  slavesExpected: gaugeFamily('havoc_bond_slaves_expected', 'Slaves the inventory configures for the bond.', [
    'bond',
  ]),
  slavesUp: gaugeFamily('havoc_bond_slaves_up', 'Slaves with MII status up.', ['bond']),
  activeSlave: gaugeFamily(
    'havoc_bond_active_slave_info',
    'The currently active slave (active-backup, tlb, alb); value 1.',
    ['bond', 'slave'],
  ),
  activeAggregator: gaugeFamily(
    'havoc_bond_active_aggregator_id',
    '802.3ad: ID of the active aggregator (0 when there is none).',
    ['bond'],
  ),
  activeAggregatorPorts: gaugeFamily(
    'havoc_bond_active_aggregator_ports',
    '802.3ad: ports in the active aggregator.',
    ['bond'],
  ),
  partner: gaugeFamily(
    'havoc_bond_partner_info',
    '802.3ad: partner system MAC of the active aggregator (00:00:00:00:00:00: no LACP partner); value 1.',
    ['bond', 'partner_mac'],
  ),
  degraded: gaugeFamily(
    'havoc_bond_degraded',
    '1 when the bond has lost redundancy: fewer slaves up than configured, a configured slave not enslaved, or (802.3ad) no active aggregator, no LACP partner, or a slave outside the active aggregator or not collecting/distributing.',
    ['bond'],
  ),
  slaveMii: gaugeFamily('havoc_bond_slave_mii_state', 'MII status of a slave as a state set.', [
    'bond',
    'slave',
    'state',
  ]),
  slaveSpeed: gaugeFamily('havoc_bond_slave_speed_bits_per_second', 'Link speed of a slave.', [
    'bond',
    'slave',
  ]),
  slaveFullDuplex: gaugeFamily('havoc_bond_slave_full_duplex', '1 for full duplex, 0 for half.', [
    'bond',
    'slave',
  ]),
  slaveLinkFailures: counterFamily(
    'havoc_bond_slave_link_failures_total',
    'Link failures the bonding driver counted for a slave.',
    ['bond', 'slave'],
  ),
  slaveAggregator: gaugeFamily('havoc_bond_slave_aggregator_id', '802.3ad: aggregator ID of a slave.', [
    'bond',
    'slave',
  ]),
  slaveInActive: gaugeFamily(
    'havoc_bond_slave_in_active_aggregator',
    '802.3ad: 1 when the slave belongs to the active aggregator (so it carries traffic).',
    ['bond', 'slave'],
  ),
  slaveActor: gaugeFamily(
    'havoc_bond_slave_lacp_actor_state',
    '802.3ad actor oper port state, one series per LACP state bit (1 set, 0 clear).',
    ['bond', 'slave', 'flag'],
  ),
  slavePartnerState: gaugeFamily(
    'havoc_bond_slave_lacp_partner_state',
    '802.3ad partner oper port state, one series per LACP state bit (1 set, 0 clear).',
    ['bond', 'slave', 'flag'],
  ),
  slavePartner: gaugeFamily(
    'havoc_bond_slave_lacp_partner_info',
    '802.3ad partner system MAC and key seen on a slave; value 1.',
    ['bond', 'slave', 'partner_mac', 'partner_key'],
  ),
  slaveForwarding: gaugeFamily(
    'havoc_bond_slave_lacp_forwarding',
    '802.3ad: 1 when actor and partner are in sync, collecting and distributing, with live partner info.',
    ['bond', 'slave'],
  ),
} as const;

function flags(
  metric: ReturnType<typeof registerGauge>,
  base: Record<string, string>,
  state: LacpPortState | undefined,
) {
  if (!state) return;
  for (const flag of LACP_STATE_BITS) metric.set({ ...base, flag }, state[flag] ? 1 : 0);
}

/** Why a bond is degraded (empty when it is not). */
export function bondProblems(bond: HostBond, expectedSlaves: string[] | undefined): string[] {
  const problems: string[] = [];
  const slaves = bond.proc.slaves;
  const up = slaves.filter((s) => s.miiStatus === 'up').length;
  const configured = expectedSlaves?.length ?? slaves.length;
  if (configured === 0) problems.push('no slaves');
  if (up < configured) problems.push(`${up} of ${configured} slaves up`);
  for (const name of expectedSlaves ?? []) {
    if (!slaves.some((s) => s.name === name)) problems.push(`${name} not enslaved`);
  }
  if (bond.proc.mode === '802.3ad') {
    const active = bond.proc.ad?.activeAggregator;
    if (!active) problems.push('no active aggregator');
    else {
      if (active.partnerMac === ZERO_MAC) problems.push('no LACP partner');
      for (const s of slaves) {
        if (s.aggregatorId !== active.aggregatorId) problems.push(`${s.name} outside the active aggregator`);
        else if (s.actorLacpPdu && s.partnerLacpPdu) {
          if (
            !lacpPortForwarding(s.actorLacpPdu.portStateBits) ||
            !lacpPortForwarding(s.partnerLacpPdu.portStateBits)
          ) {
            problems.push(`${s.name} not collecting/distributing`);
          }
        }
      }
    }
  }
  return problems;
}

export function renderBonds(bonds: HostBond[], expected: HostExpected, registry: Registry): void {
  if (bonds.length === 0 && expected.bondSlaves.size === 0) return;
  const g = Object.fromEntries(
    Object.entries(BOND_METRICS).map(([k, f]) => [
      k,
      f.type === 'gauge' ? registerGauge(registry, f) : undefined,
    ]),
  ) as Record<keyof typeof BOND_METRICS, ReturnType<typeof registerGauge>>;
  const failures = registerCounter(registry, BOND_METRICS.slaveLinkFailures);
  for (const [name, slaves] of expected.bondSlaves) {
    g.slavesExpected.set({ bond: name }, slaves.length);
    // A configured bond the host does not have at all is degraded too.
    if (!bonds.some((b) => b.name === name)) g.degraded.set({ bond: name }, 1);
  }
  for (const bond of bonds) {
    const b = { bond: bond.name };
    const p = bond.proc;
    g.info.set(
      {
        ...b,
        mode: p.mode,
        xmit_hash_policy: p.transmitHashPolicy ?? bond.sysfs.xmitHashPolicy ?? '',
        lacp_rate: p.ad?.lacpRate ?? bond.sysfs.lacpRate ?? '',
        ad_select: p.ad?.adSelect ?? bond.sysfs.adSelect ?? '',
      },
      1,
    );
    g.miiUp.set(b, p.miiStatus === 'up' ? 1 : 0);
    g.slaves.set(b, p.slaves.length);
    g.slavesUp.set(b, p.slaves.filter((s) => s.miiStatus === 'up').length);
    if (p.activeSlave) g.activeSlave.set({ ...b, slave: p.activeSlave }, 1);
    const active = p.ad?.activeAggregator;
    if (p.mode === '802.3ad') {
      g.activeAggregator.set(b, active?.aggregatorId ?? 0);
      g.activeAggregatorPorts.set(b, active?.numberOfPorts ?? 0);
      if (active) g.partner.set({ ...b, partner_mac: active.partnerMac }, 1);
    }
    g.degraded.set(b, bondProblems(bond, expected.bondSlaves.get(bond.name)).length > 0 ? 1 : 0);
    for (const s of p.slaves) {
      const sl = { ...b, slave: s.name };
      for (const state of MII_STATUSES)
        g.slaveMii.set({ ...sl, state: label(state) }, s.miiStatus === state ? 1 : 0);
      if (s.speedMbps !== undefined) g.slaveSpeed.set(sl, s.speedMbps * 1e6);
      if (s.duplex) g.slaveFullDuplex.set(sl, s.duplex === 'full' ? 1 : 0);
      failures.inc(sl, s.linkFailureCount);
      if (p.mode !== '802.3ad') continue;
      const sys = bond.slaves.get(s.name);
      if (s.aggregatorId !== undefined) g.slaveAggregator.set(sl, s.aggregatorId);
      g.slaveInActive.set(sl, active !== undefined && s.aggregatorId === active.aggregatorId ? 1 : 0);
      flags(g.slaveActor, sl, sys?.adActorOperPortState ?? s.actorLacpPdu?.portStateBits);
      flags(g.slavePartnerState, sl, sys?.adPartnerOperPortState ?? s.partnerLacpPdu?.portStateBits);
      if (s.partnerLacpPdu) {
        g.slavePartner.set(
          { ...sl, partner_mac: s.partnerLacpPdu.systemMac, partner_key: String(s.partnerLacpPdu.key) },
          1,
        );
      }
      const actor = sys?.adActorOperPortState ?? s.actorLacpPdu?.portStateBits;
      const partner = sys?.adPartnerOperPortState ?? s.partnerLacpPdu?.portStateBits;
      if (actor && partner)
        g.slaveForwarding.set(sl, lacpPortForwarding(actor) && lacpPortForwarding(partner) ? 1 : 0);
    }
  }
}
