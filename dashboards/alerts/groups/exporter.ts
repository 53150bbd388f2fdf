import { probeTarget, type RuleGroup, series } from '../rule.js';

const host1 = probeTarget('host', 'host1');

export const exporterGroup: RuleGroup = {
  name: 'havoc-exporter',
  title: 'Is havoc seeing the cluster at all: scrape targets, probes, data sources',
  alerts: [
    {
      alert: 'HavocTargetDown',
      expr: 'up{job=~"havoc-.*"} == 0',
      for: '2m',
      forWhy:
        'a single scrape can miss on a loaded exporter; two minutes is four scrapes at 30 s, and the alerts that matter fire on their own series anyway',
      severity: 'warning',
      summary: 'Prometheus cannot scrape {{ $labels.job }} {{ $labels.instance }}.',
      description:
        'The scrape of {{ $labels.job }} target "{{ $labels.instance }}" fails: every alert on its series is blind.',
      runbook:
        'Check that `havoc exporter serve` runs and listens where the Prometheus job points (`havoc exporter prometheus-config`); open /probe?module=MODULE&target=NAME on the exporter to see the error; check the Prometheus targets page for the scrape error.',
      meaning: 'A havoc scrape target fails: the alerts on its series are blind.',
      fires: [
        {
          name: 'the bmc target does not answer',
          series: [
            series('up', probeTarget('bmc', 'host1'), '0x20'),
            series('up', { job: 'havoc-exporter', instance: 'x:9' }, '1x20'),
          ],
          labels: { ...probeTarget('bmc', 'host1'), severity: 'warning' },
          summary: 'Prometheus cannot scrape havoc-bmc host1.',
          description: 'The scrape of havoc-bmc target "host1" fails: every alert on its series is blind.',
        },
      ],
      silent: [
        {
          name: 'every target up',
          series: [
            series('up', probeTarget('bmc', 'host1'), '1x20'),
            series('up', { job: 'havoc-exporter', instance: 'x:9' }, '1x20'),
          ],
        },
      ],
    },
    {
      alert: 'HavocExporterNotScraped',
      expr: 'absent(up{job="havoc-exporter"})',
      for: '10m',
      forWhy:
        'a Prometheus restart or a configuration reload drops the job for a moment; ten minutes without it is a lost configuration',
      severity: 'warning',
      summary: 'Prometheus does not scrape the havoc exporter.',
      description:
        'No havoc-exporter job exists in Prometheus: none of the havoc-* jobs (and so none of the HA alerts) can be trusted to be configured.',
      runbook:
        'Add the jobs `havoc exporter prometheus-config` prints to prometheus.yml and reload Prometheus; check `promtool check config`.',
      meaning: 'Prometheus has no havoc-exporter job: the havoc jobs are probably not configured.',
      fires: [
        {
          name: 'the exporter job is absent',
          series: [],
          labels: { job: 'havoc-exporter', severity: 'warning' },
          summary: 'Prometheus does not scrape the havoc exporter.',
          description:
            'No havoc-exporter job exists in Prometheus: none of the havoc-* jobs (and so none of the HA alerts) can be trusted to be configured.',
        },
      ],
      silent: [
        {
          name: 'the job exists',
          series: [series('up', { job: 'havoc-exporter', instance: 'x:9' }, '1x30')],
        },
      ],
    },
    {
      alert: 'HavocProbeFailed',
      expr: 'havoc_up{job=~"havoc-.*"} == 0 unless on (cluster, instance) (havoc_bmc_power_state{job="havoc-bmc",state="off"} == 1)',
      for: '2m',
      forWhy:
        'a collector can miss one deadline under load; two minutes of failures is not a hiccup. A host its BMC reports off is HostDown, not a probe failure',
      severity: 'warning',
      summary: 'havoc cannot read {{ $labels.module }} {{ $labels.instance }}.',
      description:
        'A collector of module {{ $labels.module }} failed for "{{ $labels.instance }}" (see havoc_scrape_error for the collector and reason): its metrics are missing.',
      runbook:
        'Look at havoc_scrape_error{instance="NAME"} for the failing collector and its reason (timeout, auth, unreachable, ...); run `havoc probe` against the target for the full error; fix credentials or reachability.',
      meaning: 'A havoc collector fails for a target: its metrics, and the alerts on them, are missing.',
      fires: [
        {
          name: 'the host probe fails while the host is powered on',
          series: [
            series('havoc_up', { ...host1, module: 'host' }, '0x20'),
            series('havoc_bmc_power_state', { ...probeTarget('bmc', 'host1'), state: 'off' }, '0x20'),
          ],
          labels: { ...host1, module: 'host', severity: 'warning' },
          summary: 'havoc cannot read host host1.',
          description:
            'A collector of module host failed for "host1" (see havoc_scrape_error for the collector and reason): its metrics are missing.',
        },
      ],
      silent: [
        { name: 'probe ok', series: [series('havoc_up', { ...host1, module: 'host' }, '1x20')] },
        {
          name: 'the host is powered off (HostDown says so)',
          series: [
            series('havoc_up', { ...host1, module: 'host' }, '0x20'),
            series('havoc_bmc_power_state', { ...probeTarget('bmc', 'host1'), state: 'off' }, '1x20'),
          ],
        },
      ],
    },
    {
      alert: 'HavocDataSourceDown',
      expr: 'havoc_host_source_up{job="havoc-host"} == 0',
      for: '5m',
      forWhy:
        'a source fails when its tool is busy (drbdsetup during a resync, virsh while libvirtd restarts); five minutes separates that from a broken source',
      severity: 'warning',
      summary: 'Data source {{ $labels.source }} of {{ $labels.instance }} fails.',
      description:
        'The {{ $labels.source }} part of the host scrape of {{ $labels.instance }} could not be read or parsed: its metrics (and alerts) are missing while the rest of the host is reported.',
      runbook:
        'Run `havoc probe host NAME` to see the source error; check that the tool behind the source (drbdsetup, virsh, xl, /proc/net/bonding, QMP sockets) works on the host as the SSH user.',
      meaning:
        'One data source of a host scrape (drbd, libvirt, bonding, qmp, ...) fails: part of the host is unmonitored.',
      fires: [
        {
          name: 'the drbd source fails',
          series: [series('havoc_host_source_up', { ...host1, source: 'drbd' }, '0x20')],
          labels: { ...host1, source: 'drbd', severity: 'warning' },
          summary: 'Data source drbd of host1 fails.',
          description:
            'The drbd part of the host scrape of host1 could not be read or parsed: its metrics (and alerts) are missing while the rest of the host is reported.',
        },
      ],
      silent: [
        { name: 'source up', series: [series('havoc_host_source_up', { ...host1, source: 'drbd' }, '1x20')] },
      ],
    },
  ],
};
