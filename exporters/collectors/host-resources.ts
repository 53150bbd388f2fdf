import type { Registry } from 'prom-client';
import { gaugeFamily, registerGauge } from '../metric-family.js';
import type { HostSnapshot, HostSource } from './host-snapshot.js';

export const RESOURCE_METRICS = {
  memoryTotal: gaugeFamily('havoc_host_memory_total_bytes', 'MemTotal of /proc/meminfo.'),
  memoryAvailable: gaugeFamily(
    'havoc_host_memory_available_bytes',
    'MemAvailable of /proc/meminfo: what new VMs could still get.',
  ),
  memoryExpected: gaugeFamily(
    'havoc_host_memory_expected_bytes',
    'Memory the inventory declares (memoryMiB), which the capacity plan uses.',
  ),
  vcpus: gaugeFamily('havoc_host_vcpus', 'Online CPUs (nproc).'),
  vcpusExpected: gaugeFamily(
    'havoc_host_vcpus_expected',
    'vCPUs the inventory declares, which the capacity plan uses.',
  ),
  load1: gaugeFamily('havoc_host_load1', '1-minute load average.'),
  load5: gaugeFamily('havoc_host_load5', '5-minute load average.'),
  load15: gaugeFamily('havoc_host_load15', '15-minute load average.'),
  sourceUp: gaugeFamily(
    'havoc_host_source_up',
    'Per data source of the host scrape (memory, cpu, bonding, nics, drbd, libvirt, xen, qmp): 1 when it was read and parsed, 0 when it failed. Sources whose tool is absent are not listed.',
    ['source'],
  ),
} as const;

export function renderResources(
  snap: HostSnapshot,
  declared: { memoryMiB: number; vcpus: number },
  registry: Registry,
): void {
  const g = (k: keyof typeof RESOURCE_METRICS) => registerGauge(registry, RESOURCE_METRICS[k]);
  const total = g('memoryTotal');
  const available = g('memoryAvailable');
  const vcpus = g('vcpus');
  const l1 = g('load1');
  const l5 = g('load5');
  const l15 = g('load15');
  g('memoryExpected').set(declared.memoryMiB * 2 ** 20);
  g('vcpusExpected').set(declared.vcpus);
  if (snap.memory) {
    total.set(snap.memory.totalBytes);
    available.set(snap.memory.availableBytes);
  }
  if (snap.cpus !== undefined) vcpus.set(snap.cpus);
  if (snap.load) {
    l1.set(snap.load.load1);
    l5.set(snap.load.load5);
    l15.set(snap.load.load15);
  }
  const up = g('sourceUp');
  for (const [source, problem] of snap.sources as Map<HostSource, string | undefined>)
    up.set({ source }, problem === undefined ? 1 : 0);
}
