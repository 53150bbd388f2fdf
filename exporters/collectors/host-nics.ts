import type { Registry } from 'prom-client';
import { counterFamily, gaugeFamily, registerCounter, registerGauge } from '../metric-family.js';
import type { HostExpected } from './host-expected.js';
import type { HostNic } from './host-snapshot.js';

/** Linux operstate values (RFC 2863 names, as /sys/class/net/<if>/operstate prints them). */
export const OPER_STATES = [
  'up',
  'down',
  'lowerlayerdown',
  'dormant',
  'notpresent',
  'testing',
  'unknown',
] as const;

export const NIC_METRICS = {
  present: gaugeFamily(
    'havoc_nic_present',
    '1 when an interface the inventory names exists on the host, 0 when it does not.',
    ['nic'],
  ),
  oper: gaugeFamily(
    'havoc_nic_oper_state',
    'Operational state (/sys/class/net/<nic>/operstate) as a state set.',
    ['nic', 'state'],
  ),
  mtu: gaugeFamily('havoc_nic_mtu_bytes', 'MTU of the interface.', ['nic']),
  mtuExpected: gaugeFamily(
    'havoc_nic_mtu_expected_bytes',
    "MTU the inventory expects: the interface's declared mtu, else the largest MTU of its networks.",
    ['nic'],
  ),
  mtuMismatch: gaugeFamily(
    'havoc_nic_mtu_mismatch',
    '1 when the live MTU differs from the expected one (jumbo frames lost on a storage network is the classic).',
    ['nic'],
  ),
  speed: gaugeFamily(
    'havoc_nic_speed_bits_per_second',
    'Link speed the driver reports; absent when it reports none.',
    ['nic'],
  ),
  rxErrors: counterFamily('havoc_nic_receive_errors_total', 'statistics/rx_errors.', ['nic']),
  txErrors: counterFamily('havoc_nic_transmit_errors_total', 'statistics/tx_errors.', ['nic']),
  rxDropped: counterFamily('havoc_nic_receive_drops_total', 'statistics/rx_dropped.', ['nic']),
  txDropped: counterFamily('havoc_nic_transmit_drops_total', 'statistics/tx_dropped.', ['nic']),
  rxBytes: counterFamily('havoc_nic_receive_bytes_total', 'statistics/rx_bytes.', ['nic']),
  txBytes: counterFamily('havoc_nic_transmit_bytes_total', 'statistics/tx_bytes.', ['nic']),
  carrierChanges: counterFamily(
    'havoc_nic_carrier_changes_total',
    'carrier_changes: link flaps seen by the kernel.',
    ['nic'],
  ),
} as const;

const COUNTERS = [
  'rxErrors',
  'txErrors',
  'rxDropped',
  'txDropped',
  'rxBytes',
  'txBytes',
  'carrierChanges',
] as const;

export function renderNics(
  nics: HostNic[],
  missing: string[],
  expected: HostExpected,
  registry: Registry,
): void {
  const present = registerGauge(registry, NIC_METRICS.present);
  const oper = registerGauge(registry, NIC_METRICS.oper);
  const mtu = registerGauge(registry, NIC_METRICS.mtu);
  const mtuExpected = registerGauge(registry, NIC_METRICS.mtuExpected);
  const mismatch = registerGauge(registry, NIC_METRICS.mtuMismatch);
  const speed = registerGauge(registry, NIC_METRICS.speed);
  const counters = COUNTERS.map((k) => [k, registerCounter(registry, NIC_METRICS[k])] as const);
  for (const name of missing) present.set({ nic: name }, 0);
  for (const nic of nics) {
    const l = { nic: nic.name };
    present.set(l, 1);
    const state = (OPER_STATES as readonly string[]).includes(nic.operstate) ? nic.operstate : 'unknown';
    for (const s of OPER_STATES) oper.set({ ...l, state: s }, s === state ? 1 : 0);
    if (nic.mtu !== undefined) mtu.set(l, nic.mtu);
    const want = expected.mtu.get(nic.name);
    if (want !== undefined) {
      mtuExpected.set(l, want);
      if (nic.mtu !== undefined) mismatch.set(l, nic.mtu === want ? 0 : 1);
    }
    if (nic.speedMbps !== undefined) speed.set(l, nic.speedMbps * 1e6);
    for (const [k, c] of counters) {
      const v = nic.counters[k];
      if (v !== undefined) c.inc(l, v);
    }
  }
}
