import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type AppliedWaiver,
  CERTIFICATION_FILES,
  type Certification,
  type CertLine,
  type Evidence,
} from '../../certify/certification.js';
import { tempDir } from './temp-dir.js';

/*
 * Certifications as `havoc certify` would leave them, for the report's tests
 * and anyone else's (the verdict, the manifest, the CLI): a folder with
 * certification.json and real evidence files, and the Certification object.
 *
 * goWithWaivers: a destructive run on a two-host lab (host1, host2), lines
 *   in every section, pass except the lab's known deviations (one corosync
 *   link per node, found by the preflight and the live checks) and a slow
 *   TCG guest restart, each waived by a named person until a date. A suite
 *   report and its journal are in suite/.
 * noGo: a read-only run of the same lab a week later: stonith disabled
 *   (fail), host2 unreachable for the time check (error), the single-link
 *   waiver expired, versions differing between the hosts, and the
 *   destructive sections not run (inconclusive, unwaived).
 *
 * The verdict and its reasons follow the rule of certify/verdict.ts (stated
 * in the brief of issue 13): they are data here, written as that rule gives
 * them, not computed.
 *
 * The folder defaults to a tempDir() (only inside vitest); a script passes
 * its own.
 */

const CLUSTER = 'cr1-lab';
const HOSTS = ['host1', 'host2'] as const;
const INVENTORY = {
  file: '/var/lib/havoc/lab/cr1/inventory.yaml',
  sha256: 'd2a84f4b8b650937ec8f73cd8be2ac74add5a911ba64df27458ed8229da804a7',
};

function write(folder: string, file: string, text: string): Evidence['file'] {
  const path = join(folder, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return file;
}

function writeCertification(folder: string, cert: Certification): Certification {
  write(folder, CERTIFICATION_FILES.json, `${JSON.stringify(cert, null, 2)}\n`);
  return cert;
}

const SINGLE_LINK_WAIVER: Omit<AppliedWaiver, 'state' | 'expires'> = {
  id: 'live.corosync.links',
  reason:
    'the lab has one heartbeat network per host; production hosts get a second ring before go-live (change CHG-2291)',
  by: 'Dana Okafor (cluster owner)',
  source: 'waivers.yaml:2:3',
};

const PREFLIGHT_LINK_WAIVER: Omit<AppliedWaiver, 'state' | 'expires'> = {
  id: 'preflight.redundancy.single-link.*',
  reason: 'same as live.corosync.links: one NIC per host in the lab',
  by: 'Dana Okafor (cluster owner)',
  source: 'waivers.yaml:7:3',
};

function corosyncConf(host: string): string {
  return `totem {
    version: 2
    cluster_name: ${CLUSTER}
    transport: knet
    token: 5000
    consensus: 6000
}
nodelist {
    node { name: host1  nodeid: 1  ring0_addr: 198.18.1.11 }
    node { name: host2  nodeid: 2  ring0_addr: 198.18.1.12 }
}
quorum {
    provider: corosync_votequorum
    two_node: 1
    wait_for_all: 1
}
# read from ${host}
`;
}

const VERSIONS_OK: Record<string, string> = {
  pacemaker: '2.1.5-1+deb12u1',
  corosync: '3.1.7-1',
  'resource-agents': '1:4.12.0-2',
  'fence-agents': '4.12.1-1',
  'qemu-system-x86': '1:7.2+dfsg-7+deb12u7',
  'libvirt-daemon': '9.0.0-4',
  drbd: '',
};

function liveLines(folder: string, kind: 'go' | 'nogo'): CertLine[] {
  const facts = HOSTS.map((h) => write(folder, `evidence/live/${h}/corosync.conf`, corosyncConf(h))!);
  const cib = write(
    folder,
    'evidence/live/host1/cibadmin-query.xml',
    `<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="${kind === 'go' ? 41 : 44}">
  <configuration><crm_config><cluster_property_set id="cib-bootstrap-options">
    <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="${kind === 'go' ? 'true' : 'false'}"/>
  </cluster_property_set></crm_config></configuration>
</cib>
`,
  )!;
  const linkWaiver: AppliedWaiver =
    kind === 'go'
      ? { ...SINGLE_LINK_WAIVER, expires: '2026-12-05', state: 'applied' }
      : { ...SINGLE_LINK_WAIVER, expires: '2026-12-05', state: 'expired' };
  const lines: CertLine[] = [
    {
      id: 'live.corosync.token',
      section: 'live-checks',
      title: 'corosync token timeout is 5000 ms',
      status: 'pass',
      measured: 'token 5000 ms on host1 and host2 (runtime)',
      target: '5000 ms',
      message: 'token 5000 ms (runtime) on every node',
      references: ['Trento 156F64', 'Trento 53D035'],
      evidence: facts.map((f, i) => ({ label: `corosync.conf of ${HOSTS[i]}`, file: f })),
    },
    {
      id: 'live.corosync.links',
      section: 'live-checks',
      title: 'corosync has two links per node, on different networks',
      status: 'warning',
      measured: 'host1: 1 link (198.18.1.11 on heartbeat); host2: 1 link (198.18.1.12 on heartbeat)',
      target: 'at least 2 links on 2 different networks per node',
      message: 'one corosync link per node: a single cable or switch port down makes the node look dead',
      remediation:
        'give every node in the nodelist ring0_addr and ring1_addr on two different networks (knet), e.g. heartbeat and management',
      references: ['Trento DA114A', 'Trento 32CFC6'],
      evidence: facts.map((f, i) => ({ label: `corosync.conf of ${HOSTS[i]}`, file: f })),
      waiver: linkWaiver,
    },
    {
      id: 'live.pacemaker.stonith-enabled',
      section: 'live-checks',
      title: 'fencing is enabled (stonith-enabled=true)',
      status: kind === 'go' ? 'pass' : 'fail',
      measured: `stonith-enabled=${kind === 'go' ? 'true' : 'false'}`,
      target: 'stonith-enabled=true',
      message:
        kind === 'go'
          ? 'stonith-enabled=true in the CIB'
          : 'stonith-enabled=false: a node that stops answering is never fenced, its VMs are never restarted elsewhere',
      remediation:
        '`crm configure property stonith-enabled=true` (or `pcs property set stonith-enabled=true`)',
      references: ['Trento 205AF7'],
      evidence: [{ label: 'the CIB read on host1', file: cib }],
    },
    {
      id: 'live.corosync.two-node',
      section: 'live-checks',
      title: 'two_node with wait_for_all on two-node clusters, off otherwise',
      status: 'pass',
      measured: 'two_node: 1, wait_for_all: 1',
      target: 'two_node: 1 and wait_for_all: 1 (2 nodes)',
      message: 'two_node and wait_for_all set on both nodes',
      references: ['Trento 6E9B82'],
      evidence: [
        { label: 'corosync-cmapctl quorum', text: 'quorum.two_node (u8) = 1\nquorum.wait_for_all (u8) = 1' },
      ],
    },
    {
      id: 'live.time.synchronised',
      section: 'live-checks',
      title: "every node's clock within 500 ms of this station's",
      status: kind === 'go' ? 'pass' : 'error',
      measured: kind === 'go' ? 'host1 +3 ms, host2 -11 ms' : 'host1 +4 ms; host2: not read',
      target: 'within 500 ms',
      message:
        kind === 'go'
          ? 'every clock within 11 ms of the station'
          : 'host2: ssh 198.18.0.12:22: connect ETIMEDOUT after 20 s: the clock of host2 could not be read (not scored as a failure)',
      remediation:
        'run chrony (or systemd-timesyncd) against the same NTP servers on every node and on the station',
      evidence: [
        {
          label: 'chronyc tracking on host1',
          text: 'Reference ID    : C6120001 (ntp1)\nSystem time     : 0.000003912 seconds fast of NTP time\nLeap status     : Normal',
        },
      ],
    },
    {
      id: 'live.versions.identical',
      section: 'live-checks',
      title: 'the same versions of the HA stack and hypervisor on every node',
      status: kind === 'go' ? 'pass' : 'fail',
      measured:
        kind === 'go' ? 'identical on both hosts' : 'pacemaker 2.1.5-1+deb12u1 on host1, 2.1.6-1 on host2',
      target: 'one version per package on every node',
      message:
        kind === 'go'
          ? 'every package has one version on every node'
          : 'pacemaker differs between host1 and host2',
      remediation: 'upgrade the nodes to the same package versions, one node at a time',
      evidence: [{ label: 'dpkg-query on every host', text: 'see "Software versions per host"' }],
    },
  ];
  return lines;
}

function preflightLines(kind: 'go' | 'nogo'): CertLine[] {
  return [
    ...HOSTS.map(
      (h): CertLine => ({
        id: `preflight.redundancy.single-link.${h}`,
        section: 'preflight',
        title: `${h} reaches the heartbeat network over one NIC`,
        status: 'warning',
        measured: `${h}: 1 NIC (eth0) on heartbeat, no bond`,
        target: 'two NICs (a bond, or two corosync links) on different switches',
        message: `a single NIC of ${h} on the heartbeat network: one cable makes it look dead`,
        remediation: 'bond two NICs on two switches, or give corosync a second link on another network',
        evidence: [
          { label: 'inventory', text: `hosts.${h}.nics: [eth0 -> sw1 port ${h === 'host1' ? 1 : 2}]` },
        ],
        waiver: {
          ...PREFLIGHT_LINK_WAIVER,
          expires: kind === 'go' ? '2027-01-31' : '2027-01-31',
          state: 'applied',
        },
      }),
    ),
    {
      id: 'preflight.fencing.race',
      section: 'preflight',
      title: 'fencing cannot race in a split of a two-node cluster',
      status: 'pass',
      message: 'host1 fences with pcmk_delay_base=5s: host2 is fenced first in a split',
      evidence: [],
    },
    {
      id: 'preflight.capacity.insufficient',
      section: 'preflight',
      title: 'the VMs fit on the hosts left after one failure',
      status: 'pass',
      measured: 'after losing host2: 2.5 GiB of 7.8 GiB',
      target: 'every VM fits on host1 alone (failuresToTolerate 1)',
      message: 'capacity plan holds with one host down',
      evidence: [],
    },
    {
      id: 'preflight.storage.drbd-single-peer',
      section: 'preflight',
      title: 'every DRBD resource has a peer',
      status: 'not-applicable',
      message: 'no DRBD resource in the inventory',
      evidence: [],
    },
  ];
}

function destructiveLines(folder: string): CertLine[] {
  const fence = (h: string, offS: number) =>
    write(
      folder,
      `evidence/fencing/${h}-level1.txt`,
      `stonith_admin --history ${h} --verbose
  reboot of ${h} successful: delegate=host${h === 'host1' ? 2 : 1}, client=stonith_admin.4711, origin=station,
  completed='2026-12-01 03:1${h === 'host1' ? 2 : 6}:0${h === 'host1' ? 4 : 9}.318 +00:00'
off seen by an IPMI power status read ${offS} s after the request
`,
    )!;
  const timeline = write(
    folder,
    'evidence/suite/timeline-excerpt.jsonl',
    '{"v":1,"ns":"1028000000000","wall":"2026-12-01T03:21:28.000Z","kind":"pacemaker/fence","target":"host2","action":"reboot","result":"success"}\n',
  )!;
  return [
    ...HOSTS.map(
      (h, i): CertLine => ({
        id: `fence.${h}.level1`,
        section: 'fencing',
        title: `${h} fenced through level 1 (IPMI, fence_ipmilan lanplus cipher 3)`,
        status: 'pass',
        measured: `${h} off ${i === 0 ? '5.4' : '6.2'} s after the request, back online after ${i === 0 ? 41 : 44} s`,
        target: 'off within 60 s, seen off by a status read; back in the cluster within 300 s',
        message: `${h} was fenced and came back`,
        evidence: [{ label: 'fence record and power reads', file: fence(h, i === 0 ? 5.4 : 6.2) }],
      }),
    ),
    {
      id: 'suite.nightly.power-off.restartedWithin',
      section: 'suite',
      title: 'vm2 restarted within its SLO after its host was powered off',
      status: 'fail',
      measured: '48.5 s from power-off to vm2 answering on host1',
      target: 'restartedWithin 30 s (SLO of vm2)',
      message: 'measured 48500 ms > target 30000 ms: vm2 boots under TCG emulation in the lab',
      remediation: 're-measure on the production hardware (KVM), or raise the SLO with the VM owner',
      evidence: [
        { label: 'the suite report', file: 'suite/report.html' },
        { label: 'fence of host2 on the timeline', file: timeline },
      ],
      waiver: {
        id: 'suite.nightly.power-off.restartedWithin',
        reason:
          'TCG guests boot 3-5x slower than on KVM; the SLO is re-measured on the production hosts (ticket OPS-118)',
        by: 'Lee Marchetti (VM owner)',
        expires: '2027-01-15',
        source: 'waivers.yaml:12:3',
        state: 'applied',
      },
    },
    {
      id: 'suite.nightly.power-off.alertFiredWithin',
      section: 'suite',
      title: 'HavocNodeOffline fired and resolved for host2',
      status: 'pass',
      measured: 'fired 21.4 s after the power-off, resolved 12.0 s after host2 rejoined',
      target: 'fired within 60 s, resolved within 120 s',
      message: 'the alert arrived at the Alertmanager webhook at 2026-12-01T03:21:49.400Z',
      evidence: [
        {
          label: 'Alertmanager webhook body',
          text: '{"status":"firing","alerts":[{"labels":{"alertname":"HavocNodeOffline","host":"host2"}}]}',
        },
      ],
    },
    {
      id: 'migrate.vm1',
      section: 'live-migration',
      title: 'vm1 live-migrated host1 -> host2 within its downtime SLO',
      status: 'pass',
      measured: 'longest probe gap 312 ms, boot id unchanged',
      target: 'downtime within 2000 ms, no reboot',
      message: 'vm1 moved to host2 and kept running',
      evidence: [{ label: 'probe samples', text: '03:30:01.100 up\n03:30:01.412 up (gap 312 ms)' }],
    },
    {
      id: 'migrate.vm2',
      section: 'live-migration',
      title: 'vm2 live-migrated host2 -> host1 within its downtime SLO',
      status: 'pass',
      measured: 'longest probe gap 298 ms, boot id unchanged',
      target: 'downtime within 2000 ms, no reboot',
      message: 'vm2 moved to host1 and kept running',
      evidence: [],
    },
  ];
}

function notRunLines(): CertLine[] {
  const notRun = (id: string, section: CertLine['section'], title: string): CertLine => ({
    id,
    section,
    title,
    status: 'inconclusive',
    message: 'not run: --destructive not given',
    evidence: [],
  });
  return [
    ...HOSTS.map((h) => notRun(`fence.${h}.level1`, 'fencing', `${h} fenced through level 1 (IPMI)`)),
    notRun('suite.nightly', 'suite', 'the nightly failure suite'),
    notRun('migrate.vm1', 'live-migration', 'vm1 live-migrated within its downtime SLO'),
    notRun('migrate.vm2', 'live-migration', 'vm2 live-migrated within its downtime SLO'),
  ];
}

function finalLines(folder: string): CertLine[] {
  const crmMon = write(
    folder,
    'evidence/final/crm_mon.xml',
    `<crm_mon version="2.1.5"><nodes>
  <node name="host1" online="true" standby="false" maintenance="false"/>
  <node name="host2" online="true" standby="false" maintenance="false"/>
</nodes></crm_mon>
`,
  )!;
  return [
    {
      id: 'final.nodes',
      section: 'final-state',
      title: 'every node online, none in standby or maintenance',
      status: 'pass',
      measured: 'host1 online, host2 online',
      target: 'as found: host1 online, host2 online',
      message: 'both nodes online',
      evidence: [{ label: 'crm_mon at the end', file: crmMon }],
    },
    {
      id: 'final.vms',
      section: 'final-state',
      title: 'every VM back on the host it was found on',
      status: 'pass',
      measured: 'vm1 on host1, vm2 on host2',
      target: 'as found: vm1 on host1, vm2 on host2',
      message: 'VMs where they were',
      evidence: [{ label: 'crm_mon at the end', file: crmMon }],
    },
    {
      id: 'final.ledger',
      section: 'final-state',
      title: 'the fault ledger is empty',
      status: 'pass',
      measured: '0 open faults',
      target: '0 open faults',
      message: 'every injected fault was reverted',
      evidence: [{ label: 'havoc chaos ledger', text: 'no open fault' }],
    },
  ];
}

/** GO WITH WAIVERS: a destructive run of the two-host lab. */
export function goWithWaiversCertification(folder: string = tempDir('havoc-cert-go-')): Certification {
  write(
    folder,
    'suite/report.html',
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>havoc suite nightly: fail</title></head><body><h1>havoc suite nightly: fail</h1></body></html>\n',
  );
  write(folder, 'suite/journal.json', '{"version":1,"suite":{"name":"nightly"},"outcome":"fail"}\n');
  const lines = [
    ...preflightLines('go'),
    ...liveLines(folder, 'go'),
    ...destructiveLines(folder),
    ...finalLines(folder),
  ];
  return writeCertification(folder, {
    schema: 'havoc.certification/1',
    cluster: CLUSTER,
    inventory: INVENTORY,
    destructive: true,
    startedAt: '2026-12-01T03:00:00.000Z',
    endedAt: '2026-12-01T03:47:12.000Z',
    havocVersion: '0.1.0',
    versions: Object.fromEntries(HOSTS.map((h) => [h, { ...VERSIONS_OK }])),
    lines,
    verdict: 'GO WITH WAIVERS',
    verdictReasons: [
      'preflight.redundancy.single-link.host1: warning, waived by Dana Okafor (cluster owner) until 2027-01-31',
      'preflight.redundancy.single-link.host2: warning, waived by Dana Okafor (cluster owner) until 2027-01-31',
      'live.corosync.links: warning, waived by Dana Okafor (cluster owner) until 2026-12-05',
      'suite.nightly.power-off.restartedWithin: fail (measured 48500 ms > target 30000 ms), waived by Lee Marchetti (VM owner) until 2027-01-15',
    ],
    waiverProblems: [],
    suite: { name: 'nightly', outcome: 'fail', html: 'suite/report.html', json: 'suite/journal.json' },
    notRun: [],
  });
}

/** NO-GO: a read-only run a week later with a fail, an error, an expired waiver and the destructive part not run. */
export function noGoCertification(folder: string = tempDir('havoc-cert-nogo-')): Certification {
  const lines = [
    ...preflightLines('nogo'),
    ...liveLines(folder, 'nogo'),
    ...notRunLines(),
    ...finalLines(folder),
  ];
  return writeCertification(folder, {
    schema: 'havoc.certification/1',
    cluster: CLUSTER,
    inventory: INVENTORY,
    destructive: false,
    startedAt: '2026-12-08T09:30:00.000Z',
    endedAt: '2026-12-08T09:31:42.000Z',
    havocVersion: '0.1.0',
    versions: {
      host1: { ...VERSIONS_OK },
      host2: { ...VERSIONS_OK, pacemaker: '2.1.6-1' },
    },
    lines,
    verdict: 'NO-GO',
    verdictReasons: [
      'live.corosync.links: warning (one corosync link per node), the waiver expired on 2026-12-05',
      'live.pacemaker.stonith-enabled: fail (stonith-enabled=false)',
      'live.time.synchronised: error (host2: ssh 198.18.0.12:22: connect ETIMEDOUT after 20 s)',
      'live.versions.identical: fail (pacemaker differs between host1 and host2)',
      'fence.host1.level1: inconclusive (not run: --destructive not given)',
      'fence.host2.level1: inconclusive (not run: --destructive not given)',
      'suite.nightly: inconclusive (not run: --destructive not given)',
      'migrate.vm1: inconclusive (not run: --destructive not given)',
      'migrate.vm2: inconclusive (not run: --destructive not given)',
    ],
    waiverProblems: [
      'waivers.yaml:2:3: the waiver of live.corosync.links by Dana Okafor (cluster owner) expired on 2026-12-05',
      'waivers.yaml:12:3: suite.nightly.power-off.restartedWithin names no line of this run',
    ],
    notRun: ['destructive steps (fencing, the nightly suite, live migrations): --destructive not given'],
  });
}
