import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortableSleep, pollUntil } from '../../core/deadline.js';
import type { AgentServer } from '../../fencers/agent-daemon.js';
import { fenceHavocProgram, fenceHavocWrapper } from '../../fencers/agent-install.js';
import { serveFenceAgent } from '../../fencers/agent-serve.js';
import { havoc } from '../cli/run.js';
import { type IpmiSimFixture, startIpmiSimFixture } from '../support/ipmi-sim-fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { ipmiInventory, operatorOf } from './ipmi-topology.js';

/*
 * The fence_havoc wrapper hands its request to a resident agent (`havoc
 * fence-agent serve`) when one listens, through agent-handoff.py without
 * starting Node, and runs fence_havoc itself when none does; both against a
 * real ipmi_sim BMC, with the wrapper run as Pacemaker runs it (options on
 * stdin). Needs `npm run build` (the wrapper runs the built program).
 */

const run = promisify(execFile);
const dir = tempDir('havoc-agentd-');
const socket = join(dir, 'fence-agent.sock');
const wrapper = join(dir, 'fence_havoc');
let bmc: IpmiSimFixture;
let inventory: string;
let server: AgentServer | undefined;

async function agent(stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(wrapper, [], {
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
  writeFileSync(wrapper, fenceHavocWrapper(fenceHavocProgram()), { mode: 0o755 });
  expect(readFileSync(wrapper, 'utf8'), 'the wrapper hands over through python3').toContain(
    'agent-handoff.py',
  );
  bmc = await startIpmiSimFixture('normal');
  inventory = ipmiInventory(operatorOf(bmc), dir).ctx.loaded.file;
});

afterAll(async () => {
  await server?.close();
  await bmc?.stop();
});

/** `havoc fence-agent serve` as its own process (so it can be stopped), with its stderr kept. */
async function residentAgent(): Promise<{ child: ChildProcess; log: () => string; stop(): Promise<void> }> {
  let log = '';
  const child = spawn(
    'node',
    ['--import', 'tsx', 'cli/havoc.ts', 'fence-agent', 'serve', '--socket', socket],
    {
      env: { ...process.env, HAVOC_INVENTORY: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    () => log.includes('fence agent listening'),
    20_000,
    () => log,
  );
  // A first request loads the fencing code, so the next one reaches its delay= at once.
  const warm = await agent(`action=status\nplug=h1\ninventory=${inventory}\n`);
  if (warm.code !== 0) throw new Error(`the resident agent did not answer a status request: ${warm.stderr}`);
  return {
    child,
    log: () => log,
    stop: async () => {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitFor(check: () => boolean, ms: number, what: () => string): Promise<void> {
  const signal = AbortSignal.timeout(ms);
  await pollUntil(async () => (check() ? true : undefined), signal, { initialMs: 10, maxMs: 100 }).catch(
    () => {
      throw new Error(`not seen within ${ms} ms: ${what()}`);
    },
  );
}

/** fence_havoc as Pacemaker starts it: the wrapper, options on stdin, a new process. */
function fenceHavoc(stdin: string): {
  child: ChildProcess;
  result: Promise<{ code: number | null; stderr: string }>;
} {
  const child = spawn(wrapper, [], {
    env: { ...process.env, HAVOC_FENCE_AGENT_SOCKET: socket, HAVOC_INVENTORY: '' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin!.end(stdin);
  const result = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr })),
  );
  return { child, result };
}

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

  it('the command line goes to the agent as it came, relative paths from the caller', async () => {
    const served = server!.served();
    const r = await run(wrapper, ['-o', 'status', '-n', 'h1', '--inventory', basename(inventory)], {
      cwd: dirname(inventory),
      env: { ...process.env, HAVOC_FENCE_AGENT_SOCKET: socket, HAVOC_INVENTORY: '' },
    });
    expect(r.stdout.trim()).toBe('Status: ON');
    expect(server!.served()).toBe(served + 1);
  });

  it('without a resident agent fence_havoc does the work itself', async () => {
    await server?.close();
    server = undefined;
    expect(existsSync(socket)).toBe(false);
    const status = await agent(`action=status\nplug=h1\ninventory=${inventory}\n`);
    expect([status.code, status.stdout.trim()]).toEqual([0, 'Status: ON']);
  });

  it('a socket left by a killed agent: the hand-off finds nobody and fence_havoc runs itself with the same stdin', async () => {
    // A unix socket bound and never listened on: what an agent killed with SIGKILL leaves.
    await run('/usr/bin/python3', [
      '-c',
      `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(socket)})`,
    ]);
    expect(existsSync(socket)).toBe(true);
    const off = await agent(`action=off\nplug=h1\ninventory=${inventory}\n`);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/Success: Powered OFF/);
    expect(await bmc.power()).toBe(0);
    const on = await agent(`action=on\nplug=h1\ninventory=${inventory}\n`);
    expect(on.code, on.stderr).toBe(0);
    expect(await bmc.power()).toBe(1);
  });
});

/*
 * The double-fence risk: a resident agent that hangs with a request in
 * flight (SIGSTOP) must not power the host off after its client gave up,
 * whether Pacemaker killed fence_havoc or fence_havoc's own deadline passed.
 * The BMC's side is watched: every command ipmi_sim runs goes through the
 * fixture's chassis script, which logs it (calls.log), and the power state.
 */
const OFF_WINDOW_MS = 4000;

describe('a hung resident agent never acts on a request its client gave up', () => {
  // delay= keeps the request in the agent long enough to stop it there, before any BMC command.
  const offRequest = (extra: string) => `action=off\nplug=h1\ninventory=${inventory}\ndelay=2\n${extra}`;

  it('fence_havoc killed while the agent is stopped: after SIGCONT nothing reaches the BMC', async () => {
    await server?.close();
    server = undefined;
    const agentProc = await residentAgent();
    try {
      const callsBefore = (await bmc.calls()).length;
      const fence = fenceHavoc(offRequest('power_timeout=30\n'));
      await waitFor(() => /request 2 \(off h1\): received/.test(agentProc.log()), 20_000, agentProc.log);
      agentProc.child.kill('SIGSTOP');
      // What Pacemaker does at its timeout.
      fence.child.kill('SIGKILL');
      expect((await fence.result).code).toBe(null);
      // Resume the agent after its delay= would have ended: the off is due at once, if it were still wanted.
      await abortableSleep(2500);
      agentProc.child.kill('SIGCONT');
      await waitFor(() => /request 2 \(off h1\): abandoned/.test(agentProc.log()), 10_000, agentProc.log);
      expect(agentProc.log()).toMatch(/went away before the answer/);
      // Without the abort, the off reaches the BMC within a second or two of the resume
      // (the rest of delay=, the fence); watch well past that.
      await abortableSleep(OFF_WINDOW_MS);
      expect((await bmc.calls()).slice(callsBefore)).toEqual([]);
      expect(await bmc.power()).toBe(1);
      // The agent still serves the next request.
      const status = await agent(`action=status\nplug=h1\ninventory=${inventory}\n`);
      expect([status.code, status.stdout.trim()]).toEqual([0, 'Status: ON']);
    } finally {
      await agentProc.stop();
    }
  });

  it("fence_havoc's own deadline passes while the agent is stopped: it fails and the agent does nothing later", async () => {
    const agentProc = await residentAgent();
    try {
      const callsBefore = (await bmc.calls()).length;
      const fence = fenceHavoc(offRequest('power_timeout=1\n'));
      await waitFor(() => /request 2 \(off h1\): received/.test(agentProc.log()), 20_000, agentProc.log);
      agentProc.child.kill('SIGSTOP');
      const { code, stderr } = await fence.result;
      expect(code).toBe(1);
      expect(stderr).toMatch(/did not answer by the deadline/);
      await abortableSleep(1500);
      agentProc.child.kill('SIGCONT');
      await waitFor(() => /request 2 \(off h1\): abandoned/.test(agentProc.log()), 10_000, agentProc.log);
      await abortableSleep(OFF_WINDOW_MS);
      expect((await bmc.calls()).slice(callsBefore)).toEqual([]);
      expect(await bmc.power()).toBe(1);
    } finally {
      await agentProc.stop();
    }
  });
});

describe('fence-agent install: the wrapper Pacemaker runs, with a sealed inventory snapshot', () => {
  it('fences from the snapshot; after an inventory edit it says the snapshot is stale and loads the file', async () => {
    await server?.close();
    server = undefined;
    const wrapper = join(dir, 'fence_havoc');
    const snapshot = join(dir, 'fence_havoc.snapshot.json');
    const installed = await havoc([
      '-i',
      inventory,
      'fence-agent',
      'install',
      '--path',
      wrapper,
      '--snapshot',
      snapshot,
    ]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(readFileSync(wrapper, 'utf8')).toContain(`HAVOC_FENCE_SNAPSHOT='${snapshot}'`);
    expect(readFileSync(snapshot, 'utf8')).not.toContain(bmc.operator.password);
    const runWrapper = async (stdin: string) => {
      const child = run(wrapper, [], {
        env: { ...process.env, HAVOC_FENCE_AGENT_SOCKET: socket, HAVOC_INVENTORY: '' },
      });
      child.child.stdin?.end(stdin);
      return child.then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    };
    const fresh = await runWrapper('action=off\nplug=h1\nverbose=1\n');
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/Success: Powered OFF/);
    expect(fresh.stderr).toContain(`from the snapshot ${snapshot}`);
    expect(await bmc.power()).toBe(0);
    appendFileSync(inventory, '# edited after install\n');
    const stale = await runWrapper('action=on\nplug=h1\n');
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stderr).toMatch(/Warning: snapshot not used \(.* changed since the snapshot/);
    expect(await bmc.power()).toBe(1);
  });
});
