import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { freezeCommand, parseProbe, probeCommand, thawCommand } from '../../chaos/cgroup-freeze.js';
import { pollUntil } from '../../core/deadline.js';

/*
 * The dead man's switch against this machine's kernel, both freezers: a
 * cgroup v2 cgroup (/sys/fs/cgroup/unified) and a v1 freezer one
 * (/sys/fs/cgroup/freezer), each holding a `sleep` of this test. The scripts
 * run through sh here, as sshd runs them on a host (the SSH way is proven on
 * a lab host by host-hang-cgroups.integration.test.ts, v2 only: a lab host's
 * power-off SIGKILL stays pending on a v1-frozen task). Timings printed only.
 */

const run = promisify(execFile);
const sh = (command: string) => run('sh', ['-c', command], { timeout: 30_000 });
const tag = `hf-${process.pid}`;
const v2 = `/sys/fs/cgroup/unified/havoc-test.${tag}.v2`;
const v1 = `/sys/fs/cgroup/freezer/havoc-test.${tag}.v1`;
const own = `havoc-hang.test.${tag}`;
const owns = [`/sys/fs/cgroup/unified/${own}`, `/sys/fs/cgroup/freezer/${own}`];
const sleepers: ChildProcess[] = [];
const measured: string[] = [];

afterAll(async () => {
  console.log(`dead man's switch on this kernel:\n  ${measured.join('\n  ')}`);
  if (existsSync(join(v2, 'cgroup.freeze'))) writeFileSync(join(v2, 'cgroup.freeze'), '0');
  if (existsSync(join(v1, 'freezer.state'))) writeFileSync(join(v1, 'freezer.state'), 'THAWED');
  for (const s of sleepers) s.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  for (const d of [...owns, v2, v1]) if (existsSync(d)) rmdirSync(d);
});

const v2Frozen = () => /^frozen 1$/m.test(readFileSync(join(v2, 'cgroup.events'), 'utf8'));
const v1State = () => readFileSync(join(v1, 'freezer.state'), 'utf8').trim();
const stateOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
};
const until = (check: () => boolean, ms: number) =>
  pollUntil(async () => (check() ? true : undefined), AbortSignal.timeout(ms), { initialMs: 50, maxMs: 200 });

it('freezes a v2 and a v1 freezer cgroup from outside them and thaws both by itself after its hold', async () => {
  mkdirSync(v2);
  mkdirSync(v1);
  for (const cg of [v2, v1]) {
    const s = spawn('sleep', ['300'], { stdio: 'ignore' });
    sleepers.push(s);
    writeFileSync(join(cg, 'cgroup.procs'), String(s.pid));
  }
  const probe = parseProbe((await sh(probeCommand([v2, v1], own))).stdout);
  expect(probe.cgroups.map((c) => [c.kind, c.frozen, c.root])).toEqual([
    ['v2', false, '/sys/fs/cgroup/unified'],
    ['v1', false, '/sys/fs/cgroup/freezer'],
  ]);
  const t0 = performance.now();
  const started = await sh(freezeCommand(probe.cgroups, own, 3));
  const pid = Number(/^switch (\d+)$/m.exec(started.stdout)?.[1]);
  measured.push(`the starting command returned after ${Math.round(performance.now() - t0)} ms`);
  for (const o of owns)
    expect(readFileSync(join(o, 'cgroup.procs'), 'utf8')).toMatch(new RegExp(`^${pid}$`, 'm'));
  await until(() => v2Frozen() && v1State() === 'FROZEN', 20_000);
  measured.push(`both frozen ${Math.round(performance.now() - t0)} ms after the start`);
  // The switch itself keeps running outside what it froze.
  expect(existsSync(`/proc/${pid}`)).toBe(true);
  await until(() => !v2Frozen() && v1State() === 'THAWED', 30_000);
  measured.push(
    `both thawed by the switch ${Math.round(performance.now() - t0)} ms after the start (hold 3 s)`,
  );
  await until(() => owns.every((o) => !existsSync(o)), 10_000);
});

it('a thaw kills a switch that is still holding, thaws both and removes its cgroups', async () => {
  const probe = parseProbe((await sh(probeCommand([v2, v1], own))).stdout);
  await sh(freezeCommand(probe.cgroups, own, 600));
  await until(() => v2Frozen() && v1State() === 'FROZEN', 20_000);
  const holding = parseProbe((await sh(probeCommand([v2, v1], own))).stdout);
  expect(holding.cgroups.every((c) => c.frozen)).toBe(true);
  expect(holding.own.map((o) => o.path)).toEqual(owns);
  expect(holding.own.every((o) => o.pids.length > 0)).toBe(true);
  await sh(thawCommand(holding));
  expect(v2Frozen()).toBe(false);
  expect(v1State()).toBe('THAWED');
  expect(owns.filter((o) => existsSync(o))).toEqual([]);
  // Killed: gone, or a zombie until whoever adopted it reaps it.
  for (const p of holding.own[0]!.pids)
    expect(existsSync(`/proc/${p}`) ? stateOf(p) : 'gone').toMatch(/^(gone|Z)$/);
});
