import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readLedger } from '../../chaos/ledger/reader.js';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { readProcStat } from '../../core/proc.js';
import { runInHost } from '../../lab/ha/host-command.js';
import { hostNetns, storageNetns } from '../../lab/names.js';
import { labStateDir } from '../../lab/paths.js';
import { type LabState, readLabState } from '../../lab/state.js';
import { probeOnce } from '../../lab/vm/guestProbe.js';
import { hostOf as placedOn, waitForCluster } from '../lab-ha/ha-peers.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { inNetns, spawnHavoc, waitForFault, waitForState } from './chaos-cli.js';

/*
 * packet-loss, bandwidth, latency and storage-loss on the HA lab (real
 * sshd, nftables, libvirtd + QEMU, qemu-storage-daemon, Pacemaker), each
 * judged by observers that do not go through havoc: ping and a Node TCP
 * transfer inside the lab hosts' namespaces, virsh inside the host running
 * the VM, bash /dev/tcp reading the NBD greeting.
 */
const LAB = 'fn1';
const run = promisify(execFile);
let lab: TestLab;
let state: LabState;
let scratch: string;

beforeAll(async () => {
  lab = await startTestLab(LAB, {
    hosts: 2,
    volumes: 1,
    ha: { vms: 1, fenceAgent: 'fence_ipmilan' },
    timeoutMs: 240_000,
  });
  state = readLabState(labStateDir(LAB, process.env))!;
  scratch = tempDir('havoc-net-faults-');
}, 300_000);

afterAll(async () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await lab?.down();
}, 90_000);

const ledgerOf = (name: string) => join(scratch, name, 'ledger');
const inject = (ledgerDir: string, args: string[]) =>
  spawnHavoc(['-i', lab.inventory, 'chaos', 'inject', ...args, '--for', '10m', '--ledger', ledgerDir]);
const gone = (s: string | undefined) => s === undefined || s === 'Z';
const hostIndex = (name: string) => Number(name.replace('host', ''));

/** The address a lab host has on a network, read inside its namespace with ip (not havoc's reader): the one in the network's subnet. */
async function addressOn(host: string, network: string): Promise<string> {
  const subnet = lab.loaded.inventory.networks.find((n) => n.name === network)!.subnet!;
  const prefix = subnet.split('/')[0]!.split('.').slice(0, 3).join('.');
  const r = await inNetns(hostNetns(LAB, hostIndex(host)), ['ip', '-o', '-4', 'addr', 'show']);
  const m = [...r.stdout.matchAll(/ inet (\d+\.\d+\.\d+\.\d+)\//g)]
    .map((x) => x[1]!)
    .find((a) => a.startsWith(`${prefix}.`));
  if (!m) throw new Error(`no address of ${host} in ${subnet}: ${r.stdout}`);
  return m;
}

/** ping from a host's namespace: how many of `count` round trips were lost. */
async function pingLoss(from: string, to: string, count = 200): Promise<{ sent: number; lost: number }> {
  const r = await inNetns(hostNetns(LAB, hostIndex(from)), [
    'ping',
    '-n',
    '-q',
    '-c',
    String(count),
    '-i',
    '0.01',
    '-W',
    '1',
    to,
  ]);
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  if (!m) throw new Error(`ping printed no summary: ${r.stdout}`);
  return { sent: Number(m[1]), lost: Number(m[1]) - Number(m[2]) };
}

async function havocTables(netns: string): Promise<string> {
  return (await run('ip', ['netns', 'exec', netns, 'nft', 'list', 'tables'])).stdout;
}

const rootTablesBefore = () => run('nft', ['list', 'tables']).then((r) => r.stdout);

/** SIGKILL of the run once verified (after `whileIn` saw the fault): the guardian reverts it, the ledger says so. */
async function killedWhileInjected(ledgerDir: string, args: string[], whileIn: () => Promise<void>) {
  const child = inject(ledgerDir, args);
  const f = await waitForFault(
    ledgerDir,
    (x) =>
      x.state === 'verified' ||
      x.state === 'reverted' ||
      x.state === 'revert-failed' ||
      x.state === 'refused',
  );
  expect(f.state).toBe('verified');
  await whileIn();
  child.kill('SIGKILL');
  expect((await child.done).signal).toBe('SIGKILL');
  await waitForState(f.intended!.guardianPid!, gone, 300_000);
  const healed = readLedger(ledgerDir).faults[0]!;
  expect(healed.state).toBe('reverted');
  expect(healed.history.at(-1)!.by).toMatch(/^guardian-/);
}

/** Timings between ledger records (monotonic ns), printed for the README, never asserted. */
function printTimings(label: string, ledgerDir: string) {
  const h = readLedger(ledgerDir).faults[0]!.history;
  const ns = (s: string) => BigInt(h.find((e) => e.state === s)!.ns);
  const ms = (a: string, b: string) => Number((ns(b) - ns(a)) / 1_000_000n);
  console.log(
    `${label}: intended->verified ${ms('intended', 'verified')} ms, reverting->reverted ${ms('reverting', 'reverted')} ms`,
  );
}

async function ctrlC(child: ReturnType<typeof inject>) {
  child.kill('SIGINT');
  const r = await child.done;
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/reverted by .+: verified/);
  return r;
}

// 30% per direction: a round trip is lost with 1 - 0.7^2 = 51%; 200 pings: sigma 3.5%, band +-4 sigma.
const Q = 1 - 0.7 ** 2;
const BAND = 4 * Math.sqrt((Q * (1 - Q)) / 200);

describe('packet-loss through havoc chaos inject', () => {
  it("ping from host1 loses about 51% of round trips to host2's heartbeat address while 30% is injected, none after Ctrl-C", async () => {
    const root = await rootTablesBefore();
    const target = await addressOn('host2', 'heartbeat');
    expect((await pingLoss('host1', target)).lost).toBe(0);
    const ledgerDir = ledgerOf('loss');
    const child = inject(ledgerDir, ['packet-loss', 'host2', '-p', 'network=heartbeat', '-p', 'percent=30']);
    await waitForFault(ledgerDir, (f) => f.state === 'verified');
    const seen = await pingLoss('host1', target);
    console.log(
      `packet-loss 30%: the observer lost ${seen.lost} of ${seen.sent} (expected ${(Q * 200).toFixed(0)})`,
    );
    expect(Math.abs(seen.lost / seen.sent - Q)).toBeLessThanOrEqual(BAND);
    // Management is another network: untouched.
    expect((await pingLoss('host1', lab.loaded.inventory.hosts[1]!.address, 50)).lost).toBe(0);
    const r = await ctrlC(child);
    expect(r.stdout).toMatch(/round trips lost .*: in-effect/);
    expect((await pingLoss('host1', target)).lost).toBe(0);
    expect(await havocTables(hostNetns(LAB, 2))).not.toMatch(/havoc/);
    expect(await rootTablesBefore()).toBe(root);
    printTimings('packet-loss', ledgerDir);
  });

  it('is healed by the guardian when the run is killed with SIGKILL while injected', async () => {
    const target = await addressOn('host2', 'data');
    await killedWhileInjected(
      ledgerOf('loss-kill'),
      ['packet-loss', 'host2', '-p', 'network=data', '-p', 'percent=50'],
      async () => {
        expect((await pingLoss('host1', target)).lost).toBeGreaterThan(0);
        expect(await havocTables(hostNetns(LAB, 2))).toMatch(/table inet havoc/);
      },
    );
    expect((await pingLoss('host1', target)).lost).toBe(0);
    expect(await havocTables(hostNetns(LAB, 2))).not.toMatch(/havoc/);
  });
});

/** A Node TCP transfer between two lab namespaces, timed at the receiver: an observer that shares no code with havoc's. */
async function transferRate(from: string, toAddress: string, to: string, bytes: number): Promise<number> {
  const port = 45_000 + Math.floor(Math.random() * 1000);
  const receiver = `const s=require('net').createServer(c=>{let n=0,t0;c.on('data',d=>{t0??=process.hrtime.bigint();n+=d.length});c.on('end',()=>{console.log(n, Number(process.hrtime.bigint()-t0)/1e9);process.exit(0)})}).listen(${port},'${toAddress}',()=>console.error('ready'));setTimeout(()=>process.exit(3),30000)`;
  const sender = `const net=require('net');const go=k=>{const c=net.connect(${port},'${toAddress}',()=>{c.end(Buffer.alloc(${bytes}))});c.on('error',e=>k>0?setTimeout(()=>go(k-1),50):(console.error(e),process.exit(2)))};go(100)`;
  const rx = run('ip', ['netns', 'exec', hostNetns(LAB, hostIndex(to)), process.execPath, '-e', receiver], {
    timeout: 40_000,
  });
  await run('ip', ['netns', 'exec', hostNetns(LAB, hostIndex(from)), process.execPath, '-e', sender], {
    timeout: 40_000,
  });
  const [n, seconds] = (await rx).stdout.trim().split(' ').map(Number);
  return n! / seconds! / 1024;
}

describe('bandwidth through havoc chaos inject', () => {
  it("a TCP transfer from host1 to host2's data address runs at no more than the 300 kbytes/s limit (+ its bucket) while injected, far faster after Ctrl-C", async () => {
    const target = await addressOn('host2', 'data');
    const free = await transferRate('host1', target, 'host2', 8 * 1024 * 1024);
    const ledgerDir = ledgerOf('bw');
    const child = inject(ledgerDir, [
      'bandwidth',
      'host2',
      '-p',
      'network=data',
      '-p',
      'kbytesPerSecond=300',
    ]);
    await waitForFault(ledgerDir, (f) => f.state === 'verified');
    // 1.5 MB: the bucket (1 s of the rate + 75 KiB burst) lets 375 KiB through at once, the rest at the rate.
    const limited = await transferRate('host1', target, 'host2', 1_536_000);
    console.log(`bandwidth 300 kbytes/s: ${limited.toFixed(0)} kbytes/s limited, ${free.toFixed(0)} before`);
    expect(limited).toBeLessThanOrEqual(300 * (1_536_000 / (1_536_000 - 375 * 1024)) * 1.2);
    const r = await ctrlC(child);
    expect(r.stdout).toMatch(/kbytes\/s.*: in-effect/);
    const after = await transferRate('host1', target, 'host2', 8 * 1024 * 1024);
    console.log(`bandwidth after revert: ${after.toFixed(0)} kbytes/s`);
    expect(after).toBeGreaterThan(4 * 300);
    printTimings('bandwidth', ledgerDir);
  });
});

describe('latency through havoc chaos inject', () => {
  it('is refused here, naming the missing sch_netem module, with only the refusal in the ledger', async () => {
    // What the refusal rests on: netem cannot be added even in a scratch namespace on this kernel.
    const scratchTry = await run('unshare', [
      '-n',
      'tc',
      'qdisc',
      'add',
      'dev',
      'lo',
      'root',
      'netem',
      'delay',
      '1ms',
    ]).then(
      () => 'ok',
      (e: { stderr?: string }) => e.stderr ?? 'failed',
    );
    expect(scratchTry).not.toBe('ok');
    const ledgerDir = ledgerOf('latency');
    const r = await spawnHavoc([
      '-i',
      lab.inventory,
      'chaos',
      'inject',
      'latency',
      'host2',
      '-p',
      'network=data',
      '-p',
      'delayMs=50',
      '--ledger',
      ledgerDir,
    ]).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /latency refused: host "host2" cannot delay packets: the latency fault needs tc netem \(the sch_netem kernel module\)/,
    );
    expect(r.stderr).toMatch(/modprobe -n sch_netem: .*sch_netem not found/);
    const faults = readLedger(ledgerDir).faults;
    expect(faults.map((f) => f.state)).toEqual(['refused']);
  });
});

async function vmDomstate(): Promise<{ host: string; state: string }> {
  const host = await waitForCluster(state, 'host1', 'vm1 placed', 60_000, (st) => placedOn(st, 'vm1'));
  const r = await runInHost(
    host,
    state.hosts[host]!,
    ['virsh', 'domstate', '--reason', 'vm1'],
    deadlineSignal(20_000, 'virsh'),
  );
  return { host, state: r.stdout.trim() };
}

async function waitForDomstate(want: RegExp, timeoutMs = 90_000) {
  let last = '';
  return pollUntil(
    async () => {
      const s = await vmDomstate().catch((e: Error) => ({ host: '?', state: e.message }));
      last = s.state;
      return want.test(s.state) ? s : undefined;
    },
    deadlineSignal(timeoutMs, `vm1 ${want}`),
    { initialMs: 200, maxMs: 1_000 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last domstate: ${last}`);
  });
}

/** The NBD greeting read with bash /dev/tcp inside a host's namespace (the station is not on the storage network). */
async function nbdGreets(host: string): Promise<boolean> {
  const st = lab.loaded.inventory.storage[0]!;
  if (st.type !== 'nbd') throw new Error('lab storage is not nbd');
  const r = await inNetns(hostNetns(LAB, hostIndex(host)), [
    'timeout',
    '3',
    'bash',
    '-c',
    `exec 3<>/dev/tcp/${st.server}/${st.port} && head -c 8 <&3`,
  ]);
  return r.stdout === 'NBDMAGIC';
}

describe('storage-loss through havoc chaos inject', () => {
  it('the host of vm1 loses its storage path (nftables): virsh reads vm1 paused (I/O error); after Ctrl-C it runs again', async () => {
    const { host } = await waitForDomstate(/^running/);
    expect(await nbdGreets(host)).toBe(true);
    const ledgerDir = ledgerOf('storage-host');
    const child = inject(ledgerDir, ['storage-loss', host]);
    await waitForFault(
      ledgerDir,
      (f) => f.state === 'verified' || f.state === 'reverted' || f.state === 'revert-failed',
    );
    expect(readLedger(ledgerDir).faults[0]!.state).toBe('verified');
    expect((await vmDomstate()).state).toBe('paused (I/O error)');
    expect(await nbdGreets(host)).toBe(false);
    const r = await ctrlC(child);
    expect(r.stdout).toMatch(/VM vm1 on .+: paused \(I\/O error\)/);
    await waitForDomstate(/^running/, 30_000);
    expect(await nbdGreets(host)).toBe(true);
    printTimings('storage-loss host nftables', ledgerDir);
  });

  it('the storage target stops serving (nftables in its namespace): no NBD greeting from either host, vm1 paused (I/O error); after Ctrl-C both again', async () => {
    const storage = lab.loaded.inventory.storage[0]!.name;
    await waitForDomstate(/^running/);
    const ledgerDir = ledgerOf('storage-target');
    const child = inject(ledgerDir, ['storage-loss', storage, '-p', 'side=target']);
    await waitForFault(
      ledgerDir,
      (f) => f.state === 'verified' || f.state === 'reverted' || f.state === 'revert-failed',
    );
    expect(readLedger(ledgerDir).faults[0]!.state).toBe('verified');
    expect(await nbdGreets('host1')).toBe(false);
    expect(await nbdGreets('host2')).toBe(false);
    expect((await vmDomstate()).state).toBe('paused (I/O error)');
    await ctrlC(child);
    expect(await nbdGreets('host1')).toBe(true);
    await waitForDomstate(/^running/, 30_000);
    expect(await havocTables(storageNetns(LAB))).not.toMatch(/havoc/);
    printTimings('storage-loss target', ledgerDir);
  });

  it('is healed by the guardian when the run is killed with SIGKILL while the host has lost its storage: vm1 resumed', async () => {
    const { host } = await waitForDomstate(/^running/);
    await killedWhileInjected(ledgerOf('storage-kill'), ['storage-loss', host], async () => {
      expect((await vmDomstate()).state).toBe('paused (I/O error)');
    });
    await waitForDomstate(/^running/, 30_000);
    expect(await havocTables(hostNetns(LAB, hostIndex(host)))).not.toMatch(/havoc/);
  });

  it("the storage daemon stopped (-p side=target -p via=stop): qemu-storage-daemon in state T, no NBD greeting from either host; SIGKILL of the run: the guardian continues it, the greeting and vm1's service come back", async () => {
    const storage = lab.loaded.inventory.storage[0]!.name;
    await waitForDomstate(/^running/);
    // The NBD server as the lab recorded it when it started it (PID and start time), read in /proc by the test.
    const nbd = state.processes.find((x) => x.role === 'nbd-server')!;
    expect(nbd.pid, 'the lab recorded its NBD server').toBeDefined();
    const daemonState = () => {
      const st = readProcStat(nbd.pid!);
      return st !== undefined && st.startTime === nbd.startTime ? st.state : 'gone';
    };
    expect(daemonState()).toMatch(/^[SR]$/);
    const ledgerDir = ledgerOf('storage-stop');
    let during = '';
    await killedWhileInjected(
      ledgerDir,
      ['storage-loss', storage, '-p', 'side=target', '-p', 'via=stop'],
      async () => {
        expect(daemonState()).toBe('T');
        expect(await nbdGreets('host1')).toBe(false);
        expect(await nbdGreets('host2')).toBe(false);
        during = (await vmDomstate()).state;
        const f = readLedger(ledgerDir).faults[0]!;
        expect(JSON.stringify(f.intended?.params)).toContain(
          `"pid":${nbd.pid},"startTime":"${nbd.startTime}"`,
        );
      },
    );
    expect(daemonState()).toMatch(/^[SR]$/);
    expect(await nbdGreets('host1')).toBe(true);
    await waitForDomstate(/^running/, 30_000);
    const vm = state.ha!.vms[0]!;
    const answer = await pollUntil(
      async () => {
        const sample = await probeOnce(`http://${vm.ip}/`, 1_000);
        return sample.ok ? sample : undefined;
      },
      deadlineSignal(30_000, `${vm.name}'s HTTP service after the heal`),
      { initialMs: 200, maxMs: 1_000 },
    );
    expect(answer.ok).toBe(true);
    console.log(
      `storage-loss via=stop: vm1 read "${during}" while the daemon was stopped (its requests unanswered)`,
    );
    printTimings('storage-loss target via=stop (guardian)', ledgerDir);
  });
});

/*
 * drbd-disconnect: no DRBD module runs here, so host1's real sshd runs a
 * fake drbdadm and drbdsetup that the test installs in host1's own mount
 * namespace only (a bind mount over its empty /usr/local/sbin, private to
 * the host). drbdsetup replays DRBD 9 samples from LINBIT's user guide
 * (UG9, protocols/drbd/fixtures/SOURCES.md): `events2 --statistics --now`
 * (Connected) until drbdadm disconnect, then the first line of its
 * "Real-time monitoring" example (connection:StandAlone) until drbdadm connect.
 */
const FIXTURES = join(import.meta.dirname, '..', '..', 'protocols', 'drbd', 'fixtures');

function fakeDrbd(dir: string) {
  copyFileSync(join(FIXTURES, 'events2-9-statistics.txt'), join(dir, 'connected.txt'));
  copyFileSync(join(FIXTURES, 'events2-9-standalone.txt'), join(dir, 'standalone.txt'));
  writeFileSync(join(dir, 'state'), 'connected\n');
  const script = (name: string, body: string) => {
    writeFileSync(
      join(dir, name),
      `#!/bin/sh\n# havoc test: fake ${name} replaying DRBD 9 outputs from LINBIT UG9 (see protocols/drbd/fixtures/SOURCES.md)\n${body}`,
    );
    chmodSync(join(dir, name), 0o755);
  };
  script(
    'drbdadm',
    `echo "$*" >> ${dir}/calls\ncase "$*" in\n  "disconnect r0") echo standalone > ${dir}/state ;;\n  "connect r0") echo connected > ${dir}/state ;;\n  *) echo "fake drbdadm: unexpected $*" >&2; exit 20 ;;\nesac\n`,
  );
  script(
    'drbdsetup',
    `[ "$*" = "events2 --now r0" ] || { echo "fake drbdsetup: unexpected $*" >&2; exit 20; }\nif [ "$(cat ${dir}/state)" = standalone ]; then head -n 1 ${dir}/standalone.txt; else cat ${dir}/connected.txt; fi\n`,
  );
}

describe('drbd-disconnect on a fake drbdadm/drbdsetup replaying LINBIT UG9 events2 samples (no DRBD module here), over the real sshd of host1', () => {
  let dir: string;
  let inventory: string;
  beforeAll(async () => {
    dir = tempDir('havoc-fake-drbd-');
    fakeDrbd(dir);
    await runInHost(
      'host1',
      state.hosts.host1!,
      ['mount', '--bind', dir, '/usr/local/sbin'],
      deadlineSignal(20_000, 'mount'),
    );
    // The lab's inventory plus a DRBD storage with resource r0 between the two hosts, beside it (secret paths stay valid).
    const doc = parseDocument(readFileSync(lab.inventory, 'utf8'));
    doc.addIn(['storage'], {
      name: 'repl',
      type: 'drbd',
      resources: [{ name: 'r0', peers: ['host1', 'host2'] }],
    });
    inventory = join(dirname(lab.inventory), 'inventory-fn-drbd.yaml');
    writeFileSync(inventory, doc.toString());
  });
  afterAll(async () => {
    if (inventory) rmSync(inventory, { force: true });
    await runInHost(
      'host1',
      state.hosts.host1!,
      ['umount', '/usr/local/sbin'],
      deadlineSignal(20_000, 'umount'),
      {
        allowFailure: true,
      },
    );
  });
  const drbdInject = (ledgerDir: string) =>
    spawnHavoc([
      '-i',
      inventory,
      'chaos',
      'inject',
      'drbd-disconnect',
      'host1',
      '-p',
      'resource=r0',
      '--for',
      '10m',
      '--ledger',
      ledgerDir,
    ]);
  const calls = () => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');

  it('disconnects r0 over SSH (StandAlone seen), connects it on Ctrl-C (Connected seen)', async () => {
    const ledgerDir = ledgerOf('drbd');
    const child = drbdInject(ledgerDir);
    await waitForFault(ledgerDir, (f) => f.state === 'verified' || f.state === 'refused');
    expect(calls()).toEqual(['disconnect r0']);
    expect(readFileSync(join(dir, 'state'), 'utf8').trim()).toBe('standalone');
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/host1 r0 -> remote-host: StandAlone/);
    expect(r.stdout).toMatch(/host1 r0 -> remote-host: Connected/);
    expect(calls()).toEqual(['disconnect r0', 'connect r0']);
    printTimings('drbd-disconnect (fake drbdadm)', ledgerDir);
  });

  it('is connected again by the guardian when the run is killed with SIGKILL while disconnected', async () => {
    writeFileSync(join(dir, 'calls'), '');
    const ledgerDir = ledgerOf('drbd-kill');
    const child = drbdInject(ledgerDir);
    const f = await waitForFault(ledgerDir, (x) => x.state === 'verified' || x.state === 'refused');
    expect(f.state).toBe('verified');
    child.kill('SIGKILL');
    await waitForState(f.intended!.guardianPid!, gone, 300_000);
    expect(readLedger(ledgerDir).faults[0]!.state).toBe('reverted');
    expect(calls().filter(Boolean)).toEqual(['disconnect r0', 'connect r0']);
  });

  it('refuses a resource that is already not connected (its revert would connect it)', async () => {
    writeFileSync(join(dir, 'state'), 'standalone\n');
    const r = await spawnHavoc([
      '-i',
      inventory,
      'chaos',
      'inject',
      'drbd-disconnect',
      'host1',
      '-p',
      'resource=r0',
      '--ledger',
      ledgerOf('drbd-refused'),
    ]).done;
    writeFileSync(join(dir, 'state'), 'connected\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /DRBD resource r0 on host1 is already not connected \(remote-host StandAlone\): its revert would connect it/,
    );
  });
});
