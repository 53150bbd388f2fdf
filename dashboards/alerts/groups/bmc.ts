import { probeTarget, type RuleGroup, series } from '../rule.js';

const bmc1 = probeTarget('bmc', 'host1');
const cl = probeTarget('cluster', 'c1');

export const bmcGroup: RuleGroup = {
  name: 'havoc-bmc-fencing',
  title: 'BMCs and whether every host can be fenced today',
  alerts: [
    {
      alert: 'BmcUnreachable',
      // When the BMC read outlives the scrape deadline the probe can answer before havoc_bmc_up is set: then the
      // probe failed and the series is absent, which is the same "no answer".
      expr: 'havoc_bmc_up{job="havoc-bmc"} == 0 or on (job, instance) (havoc_up{job="havoc-bmc"} == 0 unless on (job, instance) havoc_bmc_up{job="havoc-bmc"})',
      for: '1m',
      forWhy:
        'a BMC drops the odd UDP exchange and is slow while it reboots itself; a minute of silence means it will not answer a fence either',
      severity: 'warning',
      summary: 'BMC of {{ $labels.instance }} does not answer.',
      description:
        'The BMC of host {{ $labels.instance }} did not answer within the scrape deadline: fencing through it would fail now (see FencingNotReady for whether another level covers the host).',
      runbook:
        'Check the BMC network (out-of-band switch port, its address and firewall) and whether the BMC hangs (a cold reset from the host: `ipmitool mc reset cold`); the host itself may be fine.',
      meaning: 'A BMC does not answer: fencing through it would fail.',
      fires: [
        {
          name: 'no answer',
          series: [series('havoc_bmc_up', bmc1, '0x20')],
          labels: { ...bmc1, severity: 'warning' },
          summary: 'BMC of host1 does not answer.',
          description:
            'The BMC of host host1 did not answer within the scrape deadline: fencing through it would fail now (see FencingNotReady for whether another level covers the host).',
        },
        {
          name: 'the probe failed before havoc_bmc_up was set (absent)',
          series: [series('havoc_up', { ...bmc1, module: 'bmc' }, '0x20')],
          labels: { ...bmc1, module: 'bmc', severity: 'warning' },
          summary: 'BMC of host1 does not answer.',
          description:
            'The BMC of host host1 did not answer within the scrape deadline: fencing through it would fail now (see FencingNotReady for whether another level covers the host).',
        },
      ],
      silent: [
        {
          name: 'answers',
          series: [
            series('havoc_bmc_up', bmc1, '1x20'),
            series('havoc_up', { ...bmc1, module: 'bmc' }, '1x20'),
          ],
        },
        {
          name: 'answers but refuses the login (BmcAuthFailing says so)',
          series: [
            series('havoc_bmc_up', bmc1, '1x20'),
            series('havoc_up', { ...bmc1, module: 'bmc' }, '0x20'),
          ],
        },
      ],
    },
    {
      alert: 'BmcAuthFailing',
      expr: 'havoc_bmc_auth_ok{job="havoc-bmc"} == 0',
      for: '1m',
      forWhy:
        'a BMC can refuse a session while its session table is full; a minute of refusals means the credentials are wrong',
      severity: 'critical',
      summary: 'BMC of {{ $labels.instance }} refuses the inventory credentials.',
      description:
        'The BMC of host {{ $labels.instance }} answers but refuses the user and password of the inventory: every fence through it fails.',
      runbook:
        'Check the BMC user, password file and privilege in the inventory against the BMC (a password rotated on the BMC but not in the secret store is the usual cause); update the fence device of the HA manager too.',
      meaning: 'A BMC answers but refuses the credentials: fencing through it fails.',
      fires: [
        {
          name: 'refused',
          series: [series('havoc_bmc_up', bmc1, '1x20'), series('havoc_bmc_auth_ok', bmc1, '0x20')],
          labels: { ...bmc1, severity: 'critical' },
          summary: 'BMC of host1 refuses the inventory credentials.',
          description:
            'The BMC of host host1 answers but refuses the user and password of the inventory: every fence through it fails.',
        },
      ],
      silent: [
        {
          name: 'session opened',
          series: [series('havoc_bmc_up', bmc1, '1x20'), series('havoc_bmc_auth_ok', bmc1, '1x20')],
        },
      ],
    },
    {
      alert: 'FencingNotReady',
      expr: 'havoc_fencing_ready{job="havoc-cluster"} == 0',
      for: '1m',
      forWhy:
        'a device can miss one monitor read; a minute means a real fence of this host would fail now, before anything else has gone wrong',
      severity: 'critical',
      summary: 'Host {{ $labels.host }} cannot be fenced.',
      description:
        'No fencing level of host {{ $labels.host }} has every device answering (cluster {{ $labels.instance }}): if the host fails now, the HA manager cannot fence it and will not recover its VMs.',
      runbook:
        'Look at havoc_fencing_level_ready{host="HOST"} for the level and device that fails, then BmcUnreachable/BmcAuthFailing or the switch; `havoc fence status HOST` tries every level.',
      meaning: 'No fencing level of a host works right now: a failure of that host would not be recovered.',
      fires: [
        {
          name: 'no level ready',
          series: [series('havoc_fencing_ready', { ...cl, host: 'host1' }, '0x20')],
          labels: { ...cl, host: 'host1', severity: 'critical' },
          summary: 'Host host1 cannot be fenced.',
          description:
            'No fencing level of host host1 has every device answering (cluster c1): if the host fails now, the HA manager cannot fence it and will not recover its VMs.',
        },
      ],
      silent: [{ name: 'ready', series: [series('havoc_fencing_ready', { ...cl, host: 'host1' }, '1x20')] }],
    },
    {
      alert: 'HACapacityLost',
      expr: 'havoc_ha_failures_to_tolerate{job="havoc-cluster"} unless on (job, instance) (havoc_ha_failures_tolerated{job="havoc-cluster"} >= on (job, instance) havoc_ha_failures_to_tolerate{job="havoc-cluster"})',
      for: '2m',
      forWhy:
        'while a failed host is replaced by a restarted one, or VMs are being migrated, the plan dips for a scrape or two; two minutes below the promise is real',
      severity: 'critical',
      summary: 'Cluster {{ $labels.instance }} can no longer absorb {{ $value }} host failure(s).',
      description:
        'The capacity plan of cluster {{ $labels.instance }} says the live hosts can no longer restart every HA VM after {{ $value }} more host failure(s) (failures tolerated below the required failuresToTolerate, or the plan could not decide): the next failure may leave VMs down.',
      runbook:
        'Bring failed hosts back (HostDown, PacemakerNodeOffline), or free memory/vCPUs (shut down best-effort VMs), or lower the promise in the inventory knowingly; `havoc preflight` prints the capacity plan.',
      meaning: 'The cluster can no longer restart every HA VM after the failures it promises to tolerate.',
      fires: [
        {
          name: 'tolerated 0 of 1',
          series: [
            series('havoc_ha_failures_to_tolerate', cl, '1x20'),
            series('havoc_ha_failures_tolerated', cl, '0x20'),
          ],
          labels: { ...cl, severity: 'critical' },
          summary: 'Cluster c1 can no longer absorb 1 host failure(s).',
          description:
            'The capacity plan of cluster c1 says the live hosts can no longer restart every HA VM after 1 more host failure(s) (failures tolerated below the required failuresToTolerate, or the plan could not decide): the next failure may leave VMs down.',
        },
        {
          name: 'the plan could not decide (failures tolerated absent)',
          series: [
            series('havoc_ha_failures_to_tolerate', cl, '1x20'),
            series('havoc_ha_capacity_unknown', cl, '1x20'),
          ],
          labels: { ...cl, severity: 'critical' },
          summary: 'Cluster c1 can no longer absorb 1 host failure(s).',
          description:
            'The capacity plan of cluster c1 says the live hosts can no longer restart every HA VM after 1 more host failure(s) (failures tolerated below the required failuresToTolerate, or the plan could not decide): the next failure may leave VMs down.',
        },
      ],
      silent: [
        {
          name: 'tolerated 1 of 1',
          series: [
            series('havoc_ha_failures_to_tolerate', cl, '1x20'),
            series('havoc_ha_failures_tolerated', cl, '1x20'),
          ],
        },
      ],
    },
  ],
};
