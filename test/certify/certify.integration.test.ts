import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATION_FILES, type Certification, type CertLine } from '../../certify/certification.js';
import { readLedger, unreverted } from '../../chaos/ledger/reader.js';
import { clusterHostDirs } from '../../lab/ha/cluster-host.js';
import type { LabState } from '../../lab/state.js';
import { havocChild } from '../chaos/chaos-cli.js';
import { ipmitoolPower } from '../lab/ipmitool-peer.js';
import { crmIn, setStonithEnabled, waitForCluster } from '../lab-ha/ha-peers.js';
import type { TestLab } from '../support/lab-fixture.js';
import { printMeasured, startSuiteLab } from '../support/suite-lab.js';
import { tempDir } from '../support/temp-dir.js';
import { LAB_CHECK_STATUSES, LAB_VM_DRBD_CHECK_STATUSES } from './lab-check-statuses.js';

/*
 * `havoc certify` on the real HA lab (3 hosts, 2 VirtualDomain VMs,
 * fence_ipmilan through the lab's ipmi_sim BMCs, corosync/Pacemaker, sshd),
 * one lab for the whole file. First the broken labs, without --destructive
 * (seconds each), waivers accepting the destructive lines not run; then the
 * destructive run with the smoke suite, not nightly: CI has a time budget
 * (45 minutes, 28 already taken) and nightly takes far longer; then the
 * folder's manifest; a host powered off last, as nothing runs after it.
 * Timings are printed, never asserted.
 */

const LAB = 'cucert';
let lab: TestLab;
let state: LabState;
let scratch: string;
let runs = 0;
const measured: Record<string, string> = {};

/** What the lab shows by design, each accepted by a named person until the day after tomorrow. */
const LAB_WAIVERS = [
  // Every live check the healthy lab does not pass (its short corosync token), as the havoc check lab test knows them.
  ...Object.entries({ ...LAB_CHECK_STATUSES, ...LAB_VM_DRBD_CHECK_STATUSES })
    .filter(([, status]) => status === 'warning' || status === 'critical')
    .map(
      ([id]) => [`live.${id}`, 'a known deviation of the lab (test/certify/lab-check-statuses.ts)'] as const,
    ),
  ['preflight.redundancy.single-link*', "the lab's storage network is one link per host"],
  // The inventory declares a switch-ports level 2; the lab's Pacemaker has one fence_ipmilan device per node.
  // (The destructive test gives host2 a real level 2 first.)
  ['fence.host1.level2', 'the lab Pacemaker has no fencing level 2 (no switch-port stonith device)'],
  ['fence.host3.level2', 'the lab Pacemaker has no fencing level 2 (no switch-port stonith device)'],
] as const;
const NOT_RUN = ['fence.*', 'suite.*', 'migrate.*', 'final.*'] as const;

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

function waiversFile(name: string, entries: readonly (readonly [string, string, string?])[]): string {
  const file = join(scratch, `${name}.yaml`);
  const yaml = entries
    .map(
      ([id, reason, expires]) =>
        `  - id: "${id}"\n    reason: "${reason}"\n    by: "Test Lab <lab@example.com>"\n    expires: "${expires ?? day(2)}"`,
    )
    .join('\n');
  writeFileSync(file, `waivers:\n${yaml}\n`);
  return file;
}

const nonDestructiveWaivers = (extra: readonly (readonly [string, string, string?])[] = []) =>
  waiversFile(`w${runs}`, [
    ...LAB_WAIVERS.filter(([id]) => !id.startsWith('fence.')),
    ...NOT_RUN.map((id) => [id, 'not run in this test: --destructive not given'] as const),
    ...extra,
  ]);

async function certify(
  what: string,
  args: readonly string[],
): Promise<{ code: number | null; cert: Certification; dir: string; stderr: string }> {
  const dir = join(scratch, `cert-${++runs}`);
  const started = performance.now();
  const r = await havocChild(['-i', lab.inventory, '--json', 'certify', '--out', dir, ...args]);
  measured[`${what}: havoc certify ${args.filter((a) => a.startsWith('--')).join(' ')}`] =
    `${((performance.now() - started) / 1000).toFixed(1)} s, exit ${r.code}`;
  let cert: Certification;
  try {
    cert = JSON.parse(r.stdout) as Certification;
  } catch {
    throw new Error(`havoc certify printed no certification (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, cert, dir, stderr: r.stderr };
}

const lineOf = (cert: Certification, id: string): CertLine => {
  const l = cert.lines.find((x) => x.id === id);
  if (!l) throw new Error(`no line ${id}; lines: ${cert.lines.map((x) => x.id).join(', ')}`);
  return l;
};

/**
 * Gives host2 the level 2 the inventory declares: one fence_ifmib device per switch port of its storage and
 * data NICs (ifAdminStatus down over SNMP on the lab switch's snmpd), in a fencing-topology after its
 * fence_ipmilan device, each kept off host2.
 */
async function giveHost2ALevel2(): Promise<string[]> {
  const inv = lab.loaded.inventory;
  const sw = inv.switches[0]!;
  if (sw.snmp.version !== '2c') throw new Error('the lab switch is expected to speak SNMP v2c');
  const community = lab.loaded.secrets.resolve(
    sw.snmp.writeCommunity ?? sw.snmp.community,
    'switch community',
  );
  const host2 = inv.hosts.find((h) => h.name === 'host2')!;
  const ports = host2.nics
    .filter((n) => n.networks.some((x) => x === 'storage' || x === 'data'))
    .map((n) => n.switchPort!.port);
  const ids = ports.map((p) => `fence-host2-${p}`);
  const primitives = ports
    .map(
      (p, i) =>
        `<primitive id="${ids[i]}" class="stonith" type="fence_ifmib"><instance_attributes id="${ids[i]}-ia">` +
        `<nvpair id="${ids[i]}-ip" name="ip" value="${sw.address}"/>` +
        `<nvpair id="${ids[i]}-community" name="community" value="${community}"/>` +
        `<nvpair id="${ids[i]}-snmp" name="snmp_version" value="2c"/>` +
        `<nvpair id="${ids[i]}-map" name="pcmk_host_map" value="host2:${p}"/>` +
        `<nvpair id="${ids[i]}-list" name="pcmk_host_list" value="host2"/>` +
        `</instance_attributes><operations><op id="${ids[i]}-monitor" name="monitor" interval="60s" timeout="20s"/></operations></primitive>`,
    )
    .join('');
  await crmIn(state, 'host1', [
    'cibadmin',
    '--create',
    '--scope',
    'resources',
    '--xml-text',
    `<resources>${primitives}</resources>`,
  ]);
  for (const id of ids)
    await crmIn(state, 'host1', [
      'cibadmin',
      '--create',
      '--scope',
      'constraints',
      '--xml-text',
      `<rsc_location id="${id}-not-on-self" rsc="${id}" node="host2" score="-INFINITY"/>`,
    ]);
  await crmIn(state, 'host1', [
    'cibadmin',
    '--create',
    '--scope',
    'configuration',
    '--xml-text',
    `<fencing-topology><fencing-level id="fl-host2-1" target="host2" index="1" devices="fence-host2"/>` +
      `<fencing-level id="fl-host2-2" target="host2" index="2" devices="${ids.join(',')}"/></fencing-topology>`,
  ]);
  // With the BMC dead, fence_ipmilan fails after ~29 s, and Pacemaker's default pcmk_off_retries=2 tries it
  // twice: level 2 then comes after ~58 s, and the fence took 60.6 s against the lab's 60 s SLO (seen
  // 2026-12-01). One try is the setting for a device with a fallback level.
  await crmIn(state, 'host1', [
    'crm_resource',
    '--resource',
    'fence-host2',
    '--set-parameter',
    'pcmk_off_retries',
    '--parameter-value',
    '1',
  ]);
  await waitForCluster(state, 'host1', 'the port fence devices of host2 Started', 90_000, (st) =>
    ids.every((id) => st.resources.some((r) => r.id === id && r.role === 'Started')) ? true : undefined,
  );
  return ids;
}

beforeAll(async () => {
  const started = performance.now();
  ({ lab, state } = await startSuiteLab(LAB));
  measured['lab up (3 hosts, 2 VMs)'] = `${((performance.now() - started) / 1000).toFixed(1)} s`;
  scratch = tempDir('havoc-certify-');
}, 400_000);

afterAll(async () => {
  printMeasured('havoc certify on the HA lab, measured', measured);
  await lab?.down();
}, 120_000);

describe('havoc certify on the real HA lab', () => {
  it('healthy, not destructive, the lab warnings and the lines not run waived: GO WITH WAIVERS, exit 0, the facts of every host as evidence', async () => {
    const key = join(scratch, 'certify_ed25519');
    await promisify(execFile)('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'certify test',
      '-f',
      key,
    ]);
    const { code, cert, dir } = await certify('healthy', [
      '--waivers',
      nonDestructiveWaivers(),
      '--sign',
      key,
    ]);
    expect(cert.verdict).toBe('GO WITH WAIVERS');
    expect(code).toBe(0);
    expect(cert.destructive).toBe(false);
    expect(cert.notRun.join(' ')).toContain('--destructive not given');
    expect(lineOf(cert, 'fence.host1.level1').message).toBe('not run: --destructive not given');
    expect(lineOf(cert, 'live.corosync.token').waiver?.state).toBe('applied');
    expect(lineOf(cert, 'live.pacemaker.stonith-enabled').status).toBe('pass');
    expect(cert.versions.host1?.pacemaker).toMatch(/^2\.\d+\.\d+/);
    const facts = JSON.parse(readFileSync(join(dir, 'evidence', 'facts-host2.json'), 'utf8')) as {
      host: string;
      values: { packages: Record<string, string> };
    };
    expect(facts.host).toBe('host2');
    expect(facts.values.packages.pacemaker).toBe(cert.versions.host2?.pacemaker);
    for (const f of Object.values(CERTIFICATION_FILES).filter((x) => x.includes('.')))
      expect(readFileSync(join(dir, f)).length, f).toBeGreaterThan(0);
    const signed = await havocChild(['certify', 'verify', dir, '--public-key', `${key}.pub`]);
    expect(signed.code, signed.stdout + signed.stderr).toBe(0);
    expect(signed.stdout).toMatch(/signature of manifest\.json: good/);
  });

  it('without waivers the lines not run block: NO-GO, exit 1 (the lab warning is a deviation), the not-run lines named', async () => {
    const { code, cert } = await certify('no waivers', []);
    expect(cert.verdict).toBe('NO-GO');
    expect(code).toBe(1);
    expect(cert.verdictReasons).toContain(
      'fence.host2.level1: inconclusive (not run: --destructive not given)',
    );
    expect(cert.verdictReasons.some((r) => r.startsWith('live.corosync.token: warning'))).toBe(true);
  });

  it('stonith-enabled=false: NO-GO naming live.pacemaker.stonith-enabled; put back', async () => {
    const set = (v: string) => setStonithEnabled(state, v === 'true');
    await set('false');
    try {
      const { code, cert } = await certify('stonith disabled', ['--waivers', nonDestructiveWaivers()]);
      expect(cert.verdict).toBe('NO-GO');
      expect(code).toBe(1);
      expect(lineOf(cert, 'live.pacemaker.stonith-enabled').status).toBe('fail');
      expect(cert.verdictReasons.some((r) => r.startsWith('live.pacemaker.stonith-enabled: fail'))).toBe(
        true,
      );
    } finally {
      await set('true');
    }
  });

  it('a leftover cli- constraint: NO-GO naming live.pacemaker.no-cli-constraints and the constraint; cleared', async () => {
    await crmIn(state, 'host1', ['crm_resource', '--ban', '--resource', 'vm1', '--node', 'host3']);
    try {
      const { code, cert } = await certify('cli- constraint', ['--waivers', nonDestructiveWaivers()]);
      expect(cert.verdict).toBe('NO-GO');
      expect(code).toBe(1);
      const reason = cert.verdictReasons.find((r) => r.startsWith('live.pacemaker.no-cli-constraints: fail'));
      expect(reason).toContain('cli-ban-vm1-on-host3');
    } finally {
      await crmIn(state, 'host1', ['crm_resource', '--clear', '--resource', 'vm1']);
    }
  });

  it('the corosync token changed on one node: NO-GO naming live.corosync.conf-identical', async () => {
    const file = join(clusterHostDirs(state.hosts.host2!.dir).etcCorosync, 'corosync.conf');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/token: \d+/, 'token: 10000'));
    try {
      const { code, cert } = await certify('token on one node', ['--waivers', nonDestructiveWaivers()]);
      expect(cert.verdict).toBe('NO-GO');
      expect(code).toBe(1);
      expect(lineOf(cert, 'live.corosync.conf-identical').status).toBe('fail');
      expect(cert.verdictReasons.some((r) => r.startsWith('live.corosync.conf-identical: fail'))).toBe(true);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('an expired waiver does not count: NO-GO, the line blocks and the reason says the day it expired', async () => {
    const w = waiversFile('expired', [
      ...NOT_RUN.map((id) => [id, 'not run in this test'] as const),
      ['preflight.redundancy.single-link*', 'single storage link'],
      ['live.corosync.token', 'short token', day(-3)],
    ]);
    const { code, cert } = await certify('expired waiver', ['--waivers', w]);
    expect(cert.verdict).toBe('NO-GO');
    expect(code).toBe(1);
    expect(lineOf(cert, 'live.corosync.token').waiver?.state).toBe('expired');
    expect(
      cert.verdictReasons.some((r) =>
        r.startsWith(
          `live.corosync.token: warning, waiver expired on ${day(-3)} (by Test Lab <lab@example.com>, ${w}:`,
        ),
      ),
      cert.verdictReasons.join('\n'),
    ).toBe(true);
    expect(cert.waiverProblems.some((p) => p.includes(`expired on ${day(-3)}`))).toBe(true);
  });

  it('--out not empty is refused before anything runs (exit 2)', async () => {
    const dir = join(scratch, 'cert-1');
    const r = await havocChild(['-i', lab.inventory, 'certify', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not empty');
  });

  it('--destructive --suite smoke with the lab waivers: GO WITH WAIVERS; every host fenced through Pacemaker, the missing level 2 a finding; the cluster left as found; certify verify passes, then fails after one byte of evidence changed', async () => {
    const portDevices = await giveHost2ALevel2();
    const ledger = join(scratch, 'ledger');
    const { code, cert, dir, stderr } = await certify('destructive smoke', [
      '--destructive',
      '--suite',
      'smoke',
      '--ledger',
      ledger,
      '--waivers',
      waiversFile('lab', LAB_WAIVERS),
    ]);
    for (const l of cert.lines.filter((x) =>
      ['fencing', 'suite', 'live-migration', 'final-state'].includes(x.section),
    ))
      measured[l.id] =
        `${l.status}${l.waiver ? ` (waiver ${l.waiver.state})` : ''}: ${l.measured ?? l.message}`;
    expect(cert.verdict, `${cert.verdictReasons.join('\n')}\n${stderr}`).toBe('GO WITH WAIVERS');
    expect(code).toBe(0);
    for (const h of ['host1', 'host2', 'host3']) {
      const l1 = lineOf(cert, `fence.${h}.level1`);
      expect(l1.status).toBe('pass');
      expect(l1.measured).toMatch(new RegExp(`^${h} seen off \\d+\\.\\d s after the request \\(IPMI`));
      expect(l1.measured).toContain('history: off success');
      expect(l1.measured).toContain(`device fence-${h} (level 1)`);
    }
    // host2's level 2 for real: its BMC dead (bmc-dead), Pacemaker falls to the port devices, the ports read down.
    const h2l2 = lineOf(cert, 'fence.host2.level2');
    expect(h2l2.status, h2l2.message).toBe('pass');
    expect(h2l2.measured).toMatch(/^host2 seen off \d+\.\d s after the request \(switch/);
    expect(portDevices.some((d) => h2l2.measured!.includes(`device ${d} (level 2)`))).toBe(true);
    for (const h of ['host1', 'host3']) {
      const l2 = lineOf(cert, `fence.${h}.level2`);
      expect(l2.status).toBe('fail');
      expect(l2.message).toContain('Pacemaker has 1 level(s)');
      expect(l2.waiver?.state).toBe('applied');
    }
    expect(cert.suite).toMatchObject({ name: 'smoke', outcome: 'pass', html: 'suite/report.html' });
    expect(cert.lines.filter((l) => l.section === 'suite').length).toBeGreaterThan(0);
    expect(cert.lines.filter((l) => l.section === 'suite').every((l) => l.status === 'pass')).toBe(true);
    for (const vm of ['vm1', 'vm2']) {
      const m = lineOf(cert, `migrate.${vm}`);
      expect(m.status).toBe('pass');
      expect(m.measured).toContain(vm);
    }
    for (const p of ['nodes', 'placement', 'constraints', 'flags', 'ledger'])
      expect(lineOf(cert, `final.${p}`).status, lineOf(cert, `final.${p}`).message).toBe('pass');
    expect(unreverted(readLedger(ledger))).toEqual([]);

    const ok = await havocChild(['certify', 'verify', dir]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const evidence = join(dir, 'evidence', 'fence-host2-level1.json');
    const bytes = readFileSync(evidence);
    bytes[10] = bytes[10]! ^ 1;
    writeFileSync(evidence, bytes);
    const bad = await havocChild(['certify', 'verify', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('changed  evidence/fence-host2-level1.json');
  }, 1_800_000);

  it('a host that cannot be reached during the live checks: its facts are error lines, never pass, never fail', async () => {
    const host3 = lab.loaded.inventory.hosts.find((h) => h.name === 'host3')!;
    await ipmitoolPower(host3, 'off');
    await waitForCluster(state, 'host1', 'host3 seen offline', 90_000, (st) =>
      st.nodes.find((n) => n.name === 'host3')?.online === false ? true : undefined,
    );
    const { cert } = await certify('host3 off', ['--waivers', nonDestructiveWaivers()]);
    expect(cert.verdict).toBe('NO-GO');
    for (const id of ['live.versions.identical', 'live.time.synchronised', 'live.corosync.conf-identical']) {
      expect(lineOf(cert, id).status).toBe('error');
      expect(cert.verdictReasons.some((r) => r.startsWith(`${id}: error`))).toBe(true);
    }
  });
});
