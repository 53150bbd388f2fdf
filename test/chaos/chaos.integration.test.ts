import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readLedger } from '../../chaos/ledger/reader.js';
import { secretRefsOf } from '../../inventory/secret-refs.js';
import { interfacesOn } from '../../inventory/topology.js';
import { hostNetns } from '../../lab/names.js';
import { addressesOf } from '../../protocols/iproute/addresses.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { havocChild, inNetns, processState, spawnHavoc, waitForFault, waitForState } from './chaos-cli.js';

// Plain lab (no --ha): the partition is judged by packets, not by a cluster's reaction.
const LAB = 'ledger1';
let lab: TestLab;
let scratch: string;
let rootTablesBefore: string;
const heartbeat: Record<string, string> = {};

beforeAll(async () => {
  lab = await startTestLab(LAB, { hosts: 2 });
  scratch = tempDir('havoc-chaos-');
  rootTablesBefore = (await inNetnsRoot(['nft', 'list', 'tables'])).stdout;
  for (const [i, host] of lab.loaded.inventory.hosts.entries()) {
    const ifaces = interfacesOn(host, 'heartbeat').map((x) => x.name);
    const { stdout } = await inNetns(hostNetns(LAB, i + 1), ['ip', '-j', 'addr', 'show']);
    heartbeat[host.name] = addressesOf(stdout, ifaces).v4[0]!;
  }
});

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await lab?.down();
});

async function inNetnsRoot(argv: string[]) {
  const { execFile } = await import('node:child_process');
  return new Promise<{ stdout: string }>((resolve, reject) =>
    execFile(argv[0]!, argv.slice(1), (err, stdout) => (err ? reject(err) : resolve({ stdout }))),
  );
}

/** Independent observer: does a ping from host1's namespace reach host2 on the heartbeat network? */
async function heartbeatCrosses(): Promise<boolean> {
  const r = await inNetns(hostNetns(LAB, 1), [
    'ping',
    '-c',
    '2',
    '-i',
    '0.2',
    '-W',
    '1',
    '-n',
    '-q',
    heartbeat.host2!,
  ]);
  return r.code === 0;
}

async function havocTablesOnHosts(): Promise<string[]> {
  const out: string[] = [];
  for (const n of [1, 2]) {
    const { stdout } = await inNetns(hostNetns(LAB, n), ['nft', 'list', 'tables']);
    if (/\btable inet havoc\b/.test(stdout)) out.push(`host${n}`);
  }
  return out;
}

const ledgerOf = (name: string) => join(scratch, name, 'ledger');
const injectArgs = (ledgerDir: string, hold: string, extra: string[] = []) => [
  '-i',
  lab.inventory,
  'chaos',
  'inject',
  'network-partition',
  'host1',
  '-p',
  'network=heartbeat',
  '--for',
  hold,
  '--ledger',
  ledgerDir,
  ...extra,
];

async function expectHealedState(ledgerDir: string, by: RegExp) {
  expect(await havocTablesOnHosts()).toEqual([]);
  expect(await heartbeatCrosses()).toBe(true);
  const faults = readLedger(ledgerDir).faults;
  expect(faults).toHaveLength(1);
  expect(faults[0]!.state).toBe('reverted');
  expect(faults[0]!.history.at(-1)!.by).toMatch(by);
  // Nothing the run, guardian or heal wrote holds a secret value of the inventory (BMC passwords,
  // SNMP communities, the SSH private key): only references.
  const secrets = [
    ...secretRefsOf(lab.loaded.inventory).map(({ ref, path }) => lab.loaded.secrets.resolve(ref, path)),
    readFileSync(lab.loaded.inventory.hosts[0]!.ssh!.keyFile, 'utf8').split('\n')[1]!,
  ];
  expect(secrets.length).toBeGreaterThan(3);
  for (const dir of [ledgerDir, join(ledgerDir, '..', 'timelines')]) {
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const secret of secrets) expect(text.includes(secret), `${f} holds a secret`).toBe(false);
    }
  }
  // The station's own firewall was never touched.
  expect((await inNetnsRoot(['nft', 'list', 'tables'])).stdout).toBe(rootTablesBefore);
}

async function guardianOf(ledgerDir: string): Promise<number> {
  const f = await waitForFault(ledgerDir, (x) => x.intended?.guardianPid !== undefined);
  return f.intended!.guardianPid!;
}

const gone = (s: string | undefined) => s === undefined || s === 'Z';

describe('network-partition through havoc chaos inject', () => {
  it('is seen by an independent ping while injected, and Ctrl-C reverts it: the ping crosses again, no havoc table is left', async () => {
    expect(await heartbeatCrosses()).toBe(true);
    const ledgerDir = ledgerOf('ctrl-c');
    const run = spawnHavoc(injectArgs(ledgerDir, '10m'));
    await waitForFault(ledgerDir, (f) => f.state === 'verified');
    expect(await havocTablesOnHosts()).toEqual(['host1', 'host2']);
    expect(await heartbeatCrosses()).toBe(false);
    // The management network still carries traffic between the same hosts.
    const mgmt = await inNetns(hostNetns(LAB, 1), [
      'ping',
      '-c',
      '1',
      '-W',
      '2',
      '-n',
      '-q',
      lab.loaded.inventory.hosts[1]!.address,
    ]);
    expect(mgmt.code).toBe(0);
    run.kill('SIGINT');
    const r = await run.done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/injected: in-effect/);
    expect(r.stdout).toMatch(/host1 -> host2 \(.+\) on heartbeat: no answer/);
    expect(r.stdout).toMatch(/reverted by .+: verified/);
    await expectHealedState(ledgerDir, /^\d{8}T/);
    const states = readLedger(ledgerDir).faults[0]!.history.map((e) => e.state);
    expect(states).toEqual(['intended', 'injected', 'verified', 'reverting', 'reverted']);
  });

  it('is healed by the guardian when the run is killed with SIGKILL after its intent, before the injection', async () => {
    const ledgerDir = ledgerOf('kill-after-intent');
    const run = spawnHavoc(injectArgs(ledgerDir, '10m'), { HAVOC_CHAOS_STOP_AFTER: 'intended' });
    await waitForState(run.pid!, (s) => s === 'T');
    const guardian = await guardianOf(ledgerDir);
    expect(readLedger(ledgerDir).faults[0]!.state).toBe('intended');
    run.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    await waitForState(guardian, gone);
    await expectHealedState(ledgerDir, /^guardian-/);
  });

  it('is healed by the guardian when the run is killed with SIGKILL while the fault is in effect', async () => {
    const ledgerDir = ledgerOf('kill-injected');
    const run = spawnHavoc(injectArgs(ledgerDir, '10m'));
    await waitForFault(ledgerDir, (f) => f.state === 'verified');
    const guardian = await guardianOf(ledgerDir);
    expect(await heartbeatCrosses()).toBe(false);
    run.kill('SIGKILL');
    await run.done;
    await waitForState(guardian, gone);
    await expectHealedState(ledgerDir, /^guardian-/);
  });

  it('is healed by the guardian when the run is killed with SIGKILL while reverting, holding the heal lock', async () => {
    const ledgerDir = ledgerOf('kill-reverting');
    const run = spawnHavoc(injectArgs(ledgerDir, '1s'), { HAVOC_CHAOS_STOP_AFTER: 'reverting' });
    await waitForState(run.pid!, (s) => s === 'T');
    const guardian = await guardianOf(ledgerDir);
    expect(await havocTablesOnHosts()).toEqual(['host1', 'host2']); // the revert had not started
    run.kill('SIGKILL');
    await run.done;
    // The lock died with the run, so the guardian could take it.
    await waitForState(guardian, gone);
    await expectHealedState(ledgerDir, /^guardian-/);
    const history = readLedger(ledgerDir).faults[0]!.history.map((e) => `${e.state}:${e.by.split('-')[0]}`);
    expect(history.slice(-3)).toEqual([
      expect.stringMatching(/^reverting:\d/),
      'reverting:guardian',
      'reverted:guardian',
    ]);
  });

  it('is healed by the guardian when a hung run keeps it past its maximum duration', async () => {
    const ledgerDir = ledgerOf('max-duration');
    // The run stops itself once the fault is verified, as a run stuck on a dead peer would.
    const run = spawnHavoc(injectArgs(ledgerDir, '1s', ['--max-duration', '8s']), {
      HAVOC_CHAOS_STOP_AFTER: 'verified',
    });
    await waitForState(run.pid!, (s) => s === 'T');
    await waitForFault(ledgerDir, (f) => f.state === 'reverted');
    expect(processState(run.pid!)).toBe('T'); // still alive (stopped) when the guardian stepped in
    await expectHealedState(ledgerDir, /^guardian-/);
    run.kill('SIGCONT');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reverted by guardian-.+: verified/);
    const states = readLedger(ledgerDir).faults[0]!.history.map((e) => e.state);
    expect(states).toEqual(['intended', 'injected', 'verified', 'reverting', 'reverted']);
  });

  it('is healed by havoc heal when run and guardian were both killed; heal again exits 0 with nothing to do', async () => {
    const ledgerDir = ledgerOf('heal-by-hand');
    const run = spawnHavoc(injectArgs(ledgerDir, '10m'));
    await waitForFault(ledgerDir, (f) => f.state === 'verified');
    const guardian = await guardianOf(ledgerDir);
    process.kill(guardian, 'SIGKILL');
    await waitForState(guardian, gone);
    run.kill('SIGKILL');
    await run.done;
    // Nobody is left to heal: the partition stays.
    expect(await heartbeatCrosses()).toBe(false);
    const status = await havocChild(['chaos', 'status', '--ledger', ledgerDir, '--json']);
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout).notReverted).toBe(1);

    const first = await havocChild(['heal', '--ledger', ledgerDir]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^healed .+\/1: partition network heartbeat: host1 \| host2$/m);
    await expectHealedState(ledgerDir, /^heal-/);

    const again = await havocChild(['heal', '--ledger', ledgerDir, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ healed: [], failed: [], corrupt: [] });
    expect((await havocChild(['chaos', 'status', '--ledger', ledgerDir])).code).toBe(0);
  });
});

describe('refusals', () => {
  const onlyTheRefusal = (ledgerDir: string) => {
    expect(readdirSync(ledgerDir)).toHaveLength(1); // no guardian log, no lock, no second writer
    const lines = readFileSync(join(ledgerDir, readdirSync(ledgerDir)[0]!), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]!) as { state: string; reasons: string[] };
  };

  it('refuses a host that is not in the inventory, with only the refusal in the ledger', async () => {
    const ledgerDir = ledgerOf('unknown-host');
    const r = await havocChild([
      '-i',
      lab.inventory,
      'chaos',
      'inject',
      'network-partition',
      'host9',
      '-p',
      'network=heartbeat',
      '-p',
      'against=host2',
      '--for',
      '5s',
      '--ledger',
      ledgerDir,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /network-partition refused: host "host9" is not in the inventory .+ \(its hosts: host1, host2\): nothing was injected/,
    );
    const refusal = onlyTheRefusal(ledgerDir);
    expect(refusal.state).toBe('refused');
    expect(await havocTablesOnHosts()).toEqual([]);
  });

  it('refuses a host that is the management station itself', async () => {
    const inv = parse(readFileSync(lab.inventory, 'utf8'));
    const mgmt = inv.networks.find((n: { role: string }) => n.role === 'management').subnet as string;
    const stationAddress = mgmt.replace(/\.0\/24$/, '.1'); // the lab's station is .1 on every network
    const host1 = inv.hosts[0];
    inv.hosts.push({
      ...host1,
      name: 'station',
      address: stationAddress,
      nics: [{ name: 'eth4', networks: ['heartbeat'] }],
      // Its one NIC plugs into no switch port, so only the BMC level is valid (validation refuses a
      // switch-ports level that would cut nothing); a host without fencing would be refused for that instead.
      fencing: { ...host1.fencing, levels: [{ devices: [{ type: 'bmc' }] }] },
    });
    const file = join(scratch, 'with-station.yaml');
    writeFileSync(file, stringify(inv));
    const ledgerDir = ledgerOf('station');
    const r = await havocChild([
      '-i',
      file,
      'chaos',
      'inject',
      'network-partition',
      'station',
      '-p',
      'network=heartbeat',
      '-p',
      'against=host2',
      '--for',
      '5s',
      '--ledger',
      ledgerDir,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `host "station" is the management station itself (address ${stationAddress} is ${stationAddress}, an address of this machine)`,
    );
    expect(onlyTheRefusal(ledgerDir).reasons).toHaveLength(1);
    expect(existsSync(join(scratch, 'station', 'timelines'))).toBe(false);
  });
});
