/**
 * A throwaway network for the VM layer's integration tests, independent of
 * the full lab: a switch namespace with one bridge, host namespaces (each a
 * bridge `brvm` with its uplink and the VMs' taps), a storage namespace
 * serving one NBD export with qemu-nbd, and a client namespace to probe from.
 * Its addresses are a lab's data network in 198.18.0.0/15 (lab/address-plan.ts): the block of a lab
 * named after the testbed, one no lab holds, numbered as in a lab (.1 station, .5 storage, .10+N host
 * N, .101 the first VM).
 * Every namespace name and PID is recorded so teardown removes exactly those.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { chooseSlot } from '../../lab/address-plan.js';
import type { GuestImage } from '../../lab/guest/initramfs.js';
import { labStateDir } from '../../lab/paths.js';
import { labTopology, networkByKey } from '../../lab/topology.js';
import { labSlotsInUse } from '../../lab/up.js';
import { runCommand } from '../../lab/vm/hostCommand.js';
import { runningPid, stopVm } from '../../lab/vm/qemuProcess.js';
import type { VmSpec } from '../../lab/vm/vmSpec.js';
import { tempDir } from './temp-dir.js';

export const NBD_PORT = 10809;
export const NBD_EXPORT = 'disk';

export interface TestbedHost {
  ns: string;
  address: string;
}

export interface Testbed {
  id: string;
  stateRoot: string;
  /** The testbed's /24, "a.b.c". */
  subnet: string;
  guestIp: string;
  guestMac: string;
  clientAddress: string;
  switchNs: string;
  storageNs: string;
  clientNs: string;
  hosts: TestbedHost[];
  storageAddress: string;
  diskImage: string;
  nbdPid: number | undefined;
  /** Every namespace created, in creation order. */
  namespaces: string[];
  /** VM specs started through vmSpecOn, stopped at teardown. */
  vms: VmSpec[];
}

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** Fails (never skips) naming the Debian package of each missing program, and when not root. */
export async function requireLabPrograms(): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error('the VM integration tests need root (network namespaces, tap devices)');
  const needed: Record<string, string> = {
    ip: 'iproute2',
    'qemu-system-x86_64': 'qemu-system-x86',
    'qemu-nbd': 'qemu-utils',
  };
  const dirs = (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter);
  const missing: string[] = [];
  for (const [program, pkg] of Object.entries(needed)) {
    const found = await Promise.any(dirs.map((dir) => access(join(dir, program)))).then(
      () => true,
      () => false,
    );
    if (!found) missing.push(`${program} (Debian package ${pkg})`);
  }
  if (missing.length > 0) throw new Error(`missing programs: ${missing.join(', ')}`);
}

async function addNs(tb: Testbed, ns: string): Promise<void> {
  await runCommand(['ip', 'netns', 'add', ns]);
  tb.namespaces.push(ns);
  await runCommand(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
}

/** A veth from the switch bridge to `ns`, named `up0` inside `ns`. */
async function plug(tb: Testbed, ns: string, port: string): Promise<void> {
  await runCommand([
    'ip',
    '-n',
    tb.switchNs,
    'link',
    'add',
    port,
    'type',
    'veth',
    'peer',
    'name',
    'up0',
    'netns',
    ns,
  ]);
  await runCommand(['ip', '-n', tb.switchNs, 'link', 'set', port, 'master', 'br0', 'up']);
  await runCommand(['ip', '-n', ns, 'link', 'set', 'up0', 'up']);
}

export async function createTestbed(opts: { hosts: number; diskMiB?: number }): Promise<Testbed> {
  const id = randomBytes(2).toString('hex');
  const name = `hvv-${id}`;
  // No route of the machine matters: the testbed's namespaces have no link to the root namespace.
  const slot = chooseSlot(name, labSlotsInUse(join(labStateDir(name), '..')), []);
  if (slot === undefined) throw new Error('no free address block left in 198.18.0.0/15 for the VM testbed');
  const subnet = networkByKey(labTopology(name, opts.hosts, slot), 'data').prefix;
  const stateRoot = tempDir(`${name}-`);
  const tb: Testbed = {
    id,
    stateRoot,
    subnet,
    guestIp: `${subnet}.101`,
    guestMac: `52:54:00:${slot.toString(16).padStart(2, '0')}:00:01`,
    clientAddress: `${subnet}.1`,
    switchNs: `hvv-${id}-sw`,
    storageNs: `hvv-${id}-st`,
    clientNs: `hvv-${id}-cl`,
    hosts: Array.from({ length: opts.hosts }, (_, i) => ({
      ns: `hvv-${id}-h${i + 1}`,
      address: `${subnet}.${11 + i}`,
    })),
    storageAddress: `${subnet}.5`,
    diskImage: join(stateRoot, 'disk.img'),
    nbdPid: undefined,
    namespaces: [],
    vms: [],
  };
  await writeFile(join(stateRoot, 'testbed.json'), JSON.stringify(tb, null, 2));
  try {
    await addNs(tb, tb.switchNs);
    await runCommand(['ip', '-n', tb.switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await runCommand(['ip', '-n', tb.switchNs, 'link', 'set', 'br0', 'up']);
    for (const [ns, port, address] of [
      [tb.storageNs, 'p-st', tb.storageAddress],
      [tb.clientNs, 'p-cl', tb.clientAddress],
    ] as const) {
      await addNs(tb, ns);
      await plug(tb, ns, port);
      await runCommand(['ip', '-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'up0']);
    }
    for (const [i, host] of tb.hosts.entries()) {
      await addNs(tb, host.ns);
      await plug(tb, host.ns, `p-h${i + 1}`);
      await runCommand(['ip', '-n', host.ns, 'link', 'add', 'brvm', 'type', 'bridge']);
      await runCommand(['ip', '-n', host.ns, 'link', 'set', 'up0', 'master', 'brvm']);
      await runCommand(['ip', '-n', host.ns, 'link', 'set', 'brvm', 'up']);
      await runCommand(['ip', '-n', host.ns, 'addr', 'add', `${host.address}/24`, 'dev', 'brvm']);
    }
    await writeFile(join(stateRoot, 'testbed.json'), JSON.stringify(tb, null, 2));
    await truncate(tb.diskImage, (opts.diskMiB ?? 16) * 1024 * 1024).catch(async () => {
      await writeFile(tb.diskImage, '');
      await truncate(tb.diskImage, (opts.diskMiB ?? 16) * 1024 * 1024);
    });
    const pidFile = join(stateRoot, 'qemu-nbd.pid');
    // --shared=4: source and target QEMU both hold the export during a migration.
    await runCommand(
      [
        'qemu-nbd',
        '--fork',
        `--pid-file=${pidFile}`,
        '--persistent',
        '--shared=4',
        '--format=raw',
        `--export-name=${NBD_EXPORT}`,
        `--bind=${tb.storageAddress}`,
        `--port=${NBD_PORT}`,
        tb.diskImage,
      ],
      { netns: tb.storageNs },
    );
    tb.nbdPid = Number((await readFile(pidFile, 'utf8')).trim());
    await writeFile(join(stateRoot, 'testbed.json'), JSON.stringify(tb, null, 2));
    return tb;
  } catch (err) {
    await destroyTestbed(tb);
    throw err;
  }
}

/** A spec for the test VM on host `hostIndex`; each host has its own state dir. */
export function vmSpecOn(tb: Testbed, hostIndex: number, image: GuestImage, name = 'vm1'): VmSpec {
  const host = tb.hosts[hostIndex];
  if (!host) throw new Error(`testbed has no host ${hostIndex}`);
  const spec: VmSpec = {
    name,
    netns: host.ns,
    memoryMiB: 192,
    vcpus: 1,
    kernel: image.kernel,
    initrd: image.initrd,
    ip: `${tb.guestIp}/24`,
    mac: tb.guestMac,
    tap: `tap-${name}`,
    bridge: 'brvm',
    nbd: { host: tb.storageAddress, port: NBD_PORT, export: NBD_EXPORT },
    stateDir: join(tb.stateRoot, `h${hostIndex + 1}-${name}`),
  };
  if (!tb.vms.some((vm) => vm.stateDir === spec.stateDir)) tb.vms.push(spec);
  return spec;
}

export async function destroyTestbed(tb: Testbed): Promise<void> {
  for (const vm of tb.vms) {
    if ((await runningPid(vm)) !== undefined) await stopVm(vm, { graceMs: 2_000 }).catch(() => undefined);
  }
  if (tb.nbdPid !== undefined) {
    const cmdline = await readFile(`/proc/${tb.nbdPid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(tb.diskImage)) process.kill(tb.nbdPid, 'SIGTERM');
  }
  for (const ns of [...tb.namespaces].reverse())
    await runCommand(['ip', 'netns', 'del', ns]).catch(() => undefined);
  await rm(tb.stateRoot, { recursive: true, force: true });
}

/** Runs guest-probe-main in the client namespace and returns its JSON lines. */
export function probeFromClient(tb: Testbed, args: string[], opts: { stdinOpen?: boolean } = {}) {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      tb.clientNs,
      process.execPath,
      '--import',
      'tsx',
      join(REPO_ROOT, 'test/support/guest-probe-main.ts'),
      ...args,
    ],
    { cwd: REPO_ROOT, stdio: [opts.stdinOpen ? 'pipe' : 'ignore', 'pipe', 'inherit'] },
  );
  const lines: unknown[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) lines.push(JSON.parse(line));
      nl = buffered.indexOf('\n');
    }
  });
  const done = new Promise<{ code: number | null; lines: unknown[] }>((resolveDone) => {
    child.on('close', (code) => resolveDone({ code, lines }));
  });
  return { child, lines, done };
}

/** A line `watch` prints per answer. */
interface WatchSample {
  sample?: { ok: boolean; bootId?: string };
}

/**
 * Waits, under a deadline, until a `watch` probe has printed `count` successful answers after its line
 * `from` (its output so far is the default start), so a test probes for as long as it needs, not a fixed time.
 */
export async function waitForAnswers(
  probe: { lines: unknown[] },
  count: number,
  what: string,
  timeoutMs: number,
  from = 0,
): Promise<void> {
  await pollUntil(
    async () =>
      probe.lines.slice(from).filter((l) => (l as WatchSample).sample?.ok === true).length >= count
        ? true
        : undefined,
    deadlineSignal(timeoutMs, what),
    { initialMs: 20, maxMs: 100 },
  );
}
