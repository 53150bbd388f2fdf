import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import {
  type CgroupProbe,
  freezeCommand,
  ownCgroupName,
  parseProbe,
  probeCommand,
  thawCommand,
} from '../../chaos/cgroup-freeze.js';
import { pollUntil } from '../../core/deadline.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * The scripts host-hang sends over SSH, run here by sh (dash) exactly as
 * sshd would run the command string, against a tree of plain files shaped like
 * cgroupfs (cgroup.freeze, cgroup.events, freezer.state, cgroup.procs): what
 * they write and read, and their quoting of paths with spaces, quotes and $.
 * The kernel's own behaviour (a frozen sshd, SIGKILL of a frozen task) is
 * proven by test/chaos/host-hang-cgroups.integration.test.ts on a lab host.
 */

const run = promisify(execFile);
const sh = (command: string) => run('sh', ['-c', command], { timeout: 15_000 });

/** A v2 hierarchy (root without cgroup.freeze) and a v1 freezer one, with awkward names. */
function fakeTree() {
  const base = tempDir("cg it's $HOME");
  const v2root = join(base, 'unified');
  const v2 = join(v2root, "a b'c", 'd$e');
  const v1root = join(base, 'freezer');
  const v1 = join(v1root, 'lab host');
  mkdirSync(v2, { recursive: true });
  mkdirSync(v1, { recursive: true });
  writeFileSync(join(v2root, 'cgroup.procs'), '');
  writeFileSync(join(v2root, "a b'c", 'cgroup.freeze'), '0\n');
  writeFileSync(join(v2, 'cgroup.freeze'), '0\n');
  writeFileSync(join(v2, 'cgroup.events'), 'populated 1\nfrozen 0\n');
  writeFileSync(join(v1root, 'cgroup.procs'), '');
  writeFileSync(join(v1, 'freezer.state'), 'THAWED\n');
  return { base, v2root, v2, v1root, v1 };
}

const own = ownCgroupName('lab-1', 'host/2');
const poll = <T>(check: () => T | undefined, what: string) =>
  pollUntil(async () => check(), AbortSignal.timeout(10_000), { initialMs: 20, maxMs: 100 }).catch(() => {
    throw new Error(`not seen within 10 s: ${what}`);
  });

it('names the switch cgroup per cluster and host, with nothing a path could split on', () => {
  expect(own).toBe('havoc-hang.lab-1.host_2');
});

it('probes each declared cgroup: its kind, state and hierarchy root; a missing one is named', async () => {
  const t = fakeTree();
  const gone = join(t.v2root, 'no such');
  const probe = parseProbe((await sh(probeCommand([t.v2, t.v1, gone], own))).stdout);
  expect(probe).toEqual({
    cgroups: [
      { path: t.v2, kind: 'v2', frozen: false, root: t.v2root },
      { path: t.v1, kind: 'v1', frozen: false, root: t.v1root },
    ],
    missing: [gone],
    own: [],
  });
  writeFileSync(join(t.v2, 'cgroup.events'), 'populated 1\nfrozen 1\n');
  writeFileSync(join(t.v1, 'freezer.state'), 'FREEZING\n');
  mkdirSync(join(t.v2root, own));
  writeFileSync(join(t.v2root, own, 'cgroup.procs'), '4242\n4243\n');
  const again = parseProbe((await sh(probeCommand([t.v2, t.v1], own))).stdout);
  expect(again.cgroups.map((c) => c.frozen)).toEqual([true, true]);
  expect(again.own).toEqual([{ path: join(t.v2root, own), pids: [4242, 4243] }]);
});

it('refuses to read a probe line it does not know', () => {
  expect(() => parseProbe('cgroup\tv3\tthawed\t/r\t/r/a\n')).toThrow(/unexpected line from the cgroup probe/);
});

it('starts a switch that moves out first, returns before freezing, freezes both kinds, then thaws by itself', async () => {
  const t = fakeTree();
  const probe = parseProbe((await sh(probeCommand([t.v2, t.v1], own))).stdout);
  const started = await sh(freezeCommand(probe.cgroups, own, 2, 0));
  const pid = Number(/^switch (\d+)$/m.exec(started.stdout)?.[1]);
  expect(pid).toBeGreaterThan(0);
  // Returned: the switch is in its own cgroup under each root, and has frozen nothing yet or is about to.
  for (const root of [t.v2root, t.v1root])
    expect(readFileSync(join(root, own, 'cgroup.procs'), 'utf8').trim()).toBe(String(pid));
  await poll(
    () =>
      readFileSync(join(t.v2, 'cgroup.freeze'), 'utf8').trim() === '1' &&
      readFileSync(join(t.v1, 'freezer.state'), 'utf8').trim() === 'FROZEN'
        ? true
        : undefined,
    'both cgroups frozen by the switch',
  );
  // The parent of the declared v2 cgroup is not touched.
  expect(readFileSync(join(t.v2root, "a b'c", 'cgroup.freeze'), 'utf8').trim()).toBe('0');
  await poll(
    () =>
      readFileSync(join(t.v2, 'cgroup.freeze'), 'utf8').trim() === '0' &&
      readFileSync(join(t.v1, 'freezer.state'), 'utf8').trim() === 'THAWED'
        ? true
        : undefined,
    'both cgroups thawed by the switch after its hold',
  );
  // At the end it moves itself back to each root (cgroupfs would then let it remove its own cgroup).
  await poll(
    () => (readFileSync(join(t.v1root, 'cgroup.procs'), 'utf8').trim() === String(pid) ? true : undefined),
    'the switch back in the v1 root',
  );
  expect(readFileSync(join(t.v2root, 'cgroup.procs'), 'utf8').trim()).toBe(String(pid));
});

it('fails, killing the switch, when it is not seen in its own cgroup', async () => {
  const t = fakeTree();
  const probe = parseProbe((await sh(probeCommand([t.v2], own))).stdout);
  // A root that refuses the switch's own cgroup: a file where the directory would go.
  writeFileSync(join(t.v2root, own), '');
  const r = await sh(freezeCommand(probe.cgroups, own, 60, 0)).catch(
    (e: { code: number; stderr: string }) => e,
  );
  expect(r).toMatchObject({ code: 1 });
  expect(readFileSync(join(t.v2, 'cgroup.freeze'), 'utf8').trim()).toBe('0');
});

it('thaws every declared cgroup and SIGKILLs a switch still in its own cgroup', async () => {
  const t = fakeTree();
  writeFileSync(join(t.v2, 'cgroup.freeze'), '1\n');
  writeFileSync(join(t.v1, 'freezer.state'), 'FROZEN\n');
  const ownDir = join(t.v2root, own);
  mkdirSync(ownDir);
  // A process of this test standing in for a switch that is still alive.
  const fake: ChildProcess = spawn('sleep', ['60'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((r) => fake.once('exit', (_c, s) => r(s)));
  writeFileSync(join(ownDir, 'cgroup.procs'), `${fake.pid}\n`);
  const probe: CgroupProbe = parseProbe((await sh(probeCommand([t.v2, t.v1], own))).stdout);
  expect(probe.own).toEqual([{ path: ownDir, pids: [fake.pid] }]);
  // Plain files keep the directory non-empty, so the removal gives up and says so, after the thaw.
  const r = await sh(thawCommand(probe)).catch((e: { code: number; stderr: string }) => e);
  expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/cannot remove .*processes left in it/) });
  expect(await exited).toBe('SIGKILL');
  expect(readFileSync(join(t.v2, 'cgroup.freeze'), 'utf8').trim()).toBe('0');
  expect(readFileSync(join(t.v1, 'freezer.state'), 'utf8').trim()).toBe('THAWED');
});

it('thaws with nothing left behind as a no-op that succeeds', async () => {
  const t = fakeTree();
  const probe = parseProbe((await sh(probeCommand([t.v2], own))).stdout);
  await sh(thawCommand(probe));
  expect(readFileSync(join(t.v2, 'cgroup.freeze'), 'utf8').trim()).toBe('0');
});
