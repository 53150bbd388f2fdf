import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fenceHost } from '../../fencers/fence-host.js';
import { freeUdpPort, type IpmiSimFixture, startIpmiSimFixture } from '../support/ipmi-sim-fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { ipmiInventory, operatorOf } from './ipmi-topology.js';

const dir = tempDir('havoc-fence-');
const hostOf = (ctx: ReturnType<typeof ipmiInventory>['ctx']) => ctx.loaded.inventory.hosts[0]!;

describe('fencing through a real ipmi_sim BMC', () => {
  let bmc: IpmiSimFixture;
  beforeAll(async () => {
    bmc = await startIpmiSimFixture('normal');
  });
  afterAll(async () => bmc?.stop());
  afterEach(async () => bmc.setPower(1));

  it('off is reported only after status reads off, with every step recorded', async () => {
    const { ctx } = ipmiInventory(operatorOf(bmc), dir);
    const result = await fenceHost(hostOf(ctx), 'off', ctx);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.level).toBe(1);
    expect(await bmc.power()).toBe(0);
    const steps = result.levels[0]!.devices[0]!.steps.map((s) => s.step);
    expect(steps).toEqual(['status', 'off', 'verify-off']);
    const verify = result.levels[0]!.devices[0]!.steps[2]!;
    expect(verify.state).toBe('off');
    expect(verify.polls).toBeGreaterThanOrEqual(1);
  });

  it('off on an already-off host succeeds without sending a command', async () => {
    await bmc.setPower(0);
    const { ctx } = ipmiInventory(operatorOf(bmc), dir);
    const result = await fenceHost(hostOf(ctx), 'off', ctx);
    expect(result.ok).toBe(true);
    expect(result.levels[0]!.devices[0]!.steps.map((s) => s.step)).toEqual(['status']);
  });

  it('reboot (onoff) powers off, sees off, powers on, sees on', async () => {
    const { ctx } = ipmiInventory(operatorOf(bmc), dir);
    const before = (await bmc.calls()).length;
    const result = await fenceHost(hostOf(ctx), 'reboot', ctx);
    expect(result.ok).toBe(true);
    expect(result.levels[0]!.devices[0]!.steps.map((s) => s.step)).toEqual([
      'status',
      'off',
      'verify-off',
      'status',
      'on',
      'verify-on',
    ]);
    const calls = (await bmc.calls()).slice(before);
    expect(calls).toEqual(expect.arrayContaining(['set power 0', 'set power 1']));
    expect(await bmc.power()).toBe(1);
  });

  it('reboot --method cycle sends one power cycle, then sees the host off and back on', async () => {
    const { ctx } = ipmiInventory(operatorOf(bmc), dir, { timeoutSeconds: 10 });
    const before = (await bmc.calls()).length;
    const result = await fenceHost(hostOf(ctx), 'reboot', ctx, { method: 'cycle' });
    expect(result.ok, JSON.stringify(result.levels)).toBe(true);
    expect(result.warnings).toEqual([]);
    const steps = result.levels[0]!.devices[0]!.steps;
    expect(steps.map((s) => s.step)).toEqual(['status', 'cycle', 'verify-off', 'verify-on']);
    expect(steps.slice(2).map((s) => [s.ok, s.state])).toEqual([
      [true, 'off'],
      [true, 'on'],
    ]);
    // ipmi_sim runs a cycle as off, then (once it reads the power off) on: no separate on was sent.
    const sets = (await bmc.calls()).slice(before).filter((c) => c.startsWith('set'));
    expect(sets).toEqual(['set power 0', 'set power 1']);
    expect(await bmc.power()).toBe(1);
  });

  it('status and monitor', async () => {
    const { ctx } = ipmiInventory(operatorOf(bmc), dir);
    const on = await fenceHost(hostOf(ctx), 'status', ctx);
    expect([on.ok, on.state]).toEqual([true, 'on']);
    await bmc.setPower(0);
    const off = await fenceHost(hostOf(ctx), 'status', ctx);
    expect([off.ok, off.state]).toEqual([true, 'off']);
    const monitor = await fenceHost(hostOf(ctx), 'monitor', ctx);
    expect(monitor.ok).toBe(true);
  });

  it('wrong password: an authentication failure, quickly, and the host is not touched', async () => {
    const { ctx } = ipmiInventory({ ...operatorOf(bmc), password: 'not-the-password' }, dir);
    const result = await fenceHost(hostOf(ctx), 'off', ctx);
    expect(result.ok).toBe(false);
    expect(result.levels[0]!.devices[0]!.error).toMatch(/auth|password|integrity/i);
    expect(result.levels[0]!.devices[0]!.error).not.toContain('not-the-password');
    expect(result.error).toMatch(/NOT known to be off/);
    expect(await bmc.power()).toBe(1);
  });
});

describe('fencing failures a BMC can cause (real ipmi_sim with a misbehaving chassis)', () => {
  it('a BMC that accepts off but keeps reporting on fails at the deadline with the reason', async () => {
    const bmc = await startIpmiSimFixture('ignore-off');
    try {
      const { ctx } = ipmiInventory(operatorOf(bmc), dir, { timeoutSeconds: 2 });
      const result = await fenceHost(hostOf(ctx), 'off', ctx);
      expect(result.ok).toBe(false);
      const device = result.levels[0]!.devices[0]!;
      expect(device.error).toMatch(/told to power off but it still reports on/);
      expect(device.steps.at(-1)?.step).toBe('verify-off');
      expect(device.steps.at(-1)?.polls).toBeGreaterThan(1);
    } finally {
      await bmc.stop();
    }
  });

  it('a BMC that takes 1.5 s to power off is waited for and succeeds', async () => {
    const bmc = await startIpmiSimFixture('slow-off');
    try {
      const { ctx } = ipmiInventory(operatorOf(bmc), dir, { timeoutSeconds: 10 });
      const result = await fenceHost(hostOf(ctx), 'off', ctx);
      expect(result.ok, JSON.stringify(result.levels)).toBe(true);
      expect(await bmc.power()).toBe(0);
    } finally {
      await bmc.stop();
    }
  });

  it('a power cycle after which the host stays off: fenced, with a warning that it was not seen on again', async () => {
    const bmc = await startIpmiSimFixture('stays-off');
    try {
      const { ctx } = ipmiInventory(operatorOf(bmc), dir, { timeoutSeconds: 3 });
      const result = await fenceHost(hostOf(ctx), 'reboot', ctx, { method: 'cycle' });
      expect(result.ok).toBe(true);
      expect(result.warnings).toEqual([
        'host h1 was fenced (seen off after the power cycle) but was not seen on again through level 1',
      ]);
      const verifyOn = result.levels[0]!.devices[0]!.steps.at(-1)!;
      expect([verifyOn.step, verifyOn.ok, verifyOn.state]).toEqual(['verify-on', false, 'off']);
      expect(await bmc.power()).toBe(0);
    } finally {
      await bmc.stop();
    }
  });

  it('a dead BMC is reported as a timeout, not as success', async () => {
    const port = await freeUdpPort();
    const { ctx } = ipmiInventory({ port, user: 'admin', password: 'whatever' }, dir, { timeoutSeconds: 3 });
    const result = await fenceHost(hostOf(ctx), 'off', ctx);
    expect(result.ok).toBe(false);
    expect(result.levels[0]!.devices[0]!.error).toMatch(/did not (answer|respond)|timed? ?out|within/i);
  });
});
