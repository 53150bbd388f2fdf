import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentServer } from '../../fencers/agent-daemon.js';
import { serveFenceAgent } from '../../fencers/agent-serve.js';
import { type IpmiSimFixture, startIpmiSimFixture } from '../support/ipmi-sim-fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { ipmiInventory, operatorOf } from './ipmi-topology.js';

/*
 * fence_havoc hands its request to a resident agent (`havoc fence-agent
 * serve`) when one listens, and does the work itself when none does; both
 * against a real ipmi_sim BMC, with fence_havoc run as Pacemaker runs it
 * (options on stdin).
 */

const run = promisify(execFile);
const dir = tempDir('havoc-agentd-');
const socket = join(dir, 'fence-agent.sock');
let bmc: IpmiSimFixture;
let inventory: string;
let server: AgentServer | undefined;

async function agent(stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run('node', ['--import', 'tsx', 'fencers/fence_havoc.ts'], {
    env: { ...process.env, HAVOC_FENCE_AGENT_SOCKET: socket, HAVOC_INVENTORY: '' },
  });
  child.child.stdin?.end(stdin);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  bmc = await startIpmiSimFixture('normal');
  inventory = ipmiInventory(operatorOf(bmc), dir).ctx.loaded.file;
});

afterAll(async () => {
  await server?.close();
  await bmc?.stop();
});

describe('the resident fence agent', () => {
  it('answers status, off and on for fence_havoc, with fence-agents exit codes', async () => {
    server = await serveFenceAgent(socket, process.env);
    const status = await agent(`action=status\nplug=h1\ninventory=${inventory}\n`);
    expect([status.code, status.stdout.trim()]).toEqual([0, 'Status: ON']);
    const off = await agent(`action=off\nplug=h1\ninventory=${inventory}\n`);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/Success: Powered OFF/);
    expect(await bmc.power()).toBe(0);
    const offStatus = await agent(`action=status\nplug=h1\ninventory=${inventory}\n`);
    expect([offStatus.code, offStatus.stdout.trim()]).toEqual([2, 'Status: OFF']);
    const bad = await agent(`action=off\nplug=nobody\ninventory=${inventory}\n`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no host "nobody"/);
    // Every one of them went through the resident agent.
    expect(server.served()).toBe(4);
    await agent(`action=on\nplug=h1\ninventory=${inventory}\n`);
    expect(await bmc.power()).toBe(1);
  });

  it('without a resident agent fence_havoc does the work itself', async () => {
    await server?.close();
    server = undefined;
    const status = await agent(`action=status\nplug=h1\ninventory=${inventory}\n`);
    expect([status.code, status.stdout.trim()]).toEqual([0, 'Status: ON']);
  });
});
