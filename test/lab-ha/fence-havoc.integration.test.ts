import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monotonicMs } from '../../core/deadline.js';
import { errorMessage } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import { fenceHavocProgram } from '../../fencers/agent-install.js';
import { BMC_ADMIN_USER } from '../../lab/bmc.js';
import { labDown } from '../../lab/down.js';
import { clusterHostDirs } from '../../lab/ha/cluster-host.js';
import { BMC_PORT } from '../../lab/inventory-writer.js';
import { labStateDir } from '../../lab/paths.js';
import { type LabState, readLabState } from '../../lab/state.js';
import { labStatus } from '../../lab/status.js';
import { type LabTopology, labTopology } from '../../lab/topology.js';
import { labUp } from '../../lab/up.js';
import { type FenceEvent, parseStonithHistory } from '../../protocols/pacemaker/index.js';
import { ipmitoolChassis } from '../lab/ipmitool-peer.js';
import { crmIn, waitForCluster } from './ha-peers.js';

/*
 * fence_havoc as Pacemaker's stonith agent (issue #5) in a 2-host HA lab
 * with one VM (ocf:havoc:qemu-vm here, so that agent stays covered while the
 * main HA test runs VirtualDomain). Every peer is real: corosync,
 * pacemaker-fenced running fence_havoc from each host's /usr/sbin overlay,
 * fence_havoc's own IPMI client talking to ipmi_sim over the lab network.
 * Timings are measured and printed, never asserted.
 */

const LAB = 'ha2';
const env = process.env;
let state: LabState;
let topo: LabTopology;
let realSbinHadFenceHavoc: boolean;
const measured: Record<string, string> = {};

const bmc = (host: string) => ({
  address: topo.hosts.find((h) => h.name === host)!.bmcAddress,
  port: BMC_PORT,
  user: BMC_ADMIN_USER,
  passwordFile: join(state.dir, 'secrets', `bmc-${host}-admin`),
});

async function history(host: string, target: string): Promise<FenceEvent[]> {
  return parseStonithHistory(
    await crmIn(state, host, ['stonith_admin', '--history', target, '--output-as=xml']),
  );
}

/** pacemaker-fenced's own record, on the node that ran the agent, of which device fenced `target`. */
function fencerLogLines(delegate: string, target: string, action: string): string[] {
  const log = join(clusterHostDirs(state.hosts[delegate]!.dir).logPacemaker, 'pacemaker.log');
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`'${action}'`) && l.includes(`targeting ${target}`));
}

/** Milliseconds from fenced asking its node to run the agent to the agent's exit, from fenced's log stamps. */
function agentRunMs(lines: readonly string[], target: string): number | undefined {
  const stamp = (l: string | undefined) => {
    const m = l ? /^\w{3} +\d+ (\d\d):(\d\d):(\d\d)\.(\d{3}) /.exec(l) : null;
    return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) : undefined;
  };
  const asked = stamp(lines.findLast((l) => l.includes('Requesting that')));
  const done = stamp(lines.findLast((l) => l.includes(`using fence-${target} returned 0`)));
  return asked !== undefined && done !== undefined ? done - asked : undefined;
}

/**
 * A rebooted node is back when its own new Pacemaker has joined and has started the device that fences the
 * other node: that device may run only on it (never on the node it fences), so until it runs the other node
 * cannot be fenced at all.
 */
async function waitRejoined(host: string, other: string, what: string): Promise<void> {
  const t0 = monotonicMs();
  try {
    await waitForCluster(state, other, what, 90_000, (st) => {
      const device = st.resources.find((r) => r.id === `fence-${other}`);
      // A start that timed out shows as Started and failed (crm_mon's FAILED) until it is stopped: not running.
      return st.nodes.find((n) => n.name === host)?.online &&
        device?.role === 'Started' &&
        !device.failed &&
        device.nodes.includes(host)
        ? true
        : undefined;
    });
  } catch (err) {
    // Once in 13 fresh-clone runs fence-host1 stayed Stopped with no failed action: the scheduler's own
    // account (allocation scores, and its log lines about the device) is what can say why, so it goes
    // into the failure rather than being lost with the lab.
    throw new Error(`${errorMessage(err)}\n${await schedulerAccount(`fence-${other}`)}`);
  }
  // Usually 13-30 s. A rejoin that is slow keeps the nodes' own account in the output (recorded, not asserted):
  // that is how Pacemaker 2.1.5's lost metadata exit was found (see fenceHavocWrapper).
  const waitedMs = monotonicMs() - t0;
  if (waitedMs > 40_000)
    console.log(
      `${what}: ${(waitedMs / 1000).toFixed(1)} s until fence-${other} started on ${host}; what the nodes logged:\n${await schedulerAccount(`fence-${other}`)}`,
    );
}

/** What Pacemaker's scheduler decided about `resource`, from every host that answers, for a failure message. */
async function schedulerAccount(resource: string): Promise<string> {
  const parts: string[] = [];
  for (const h of Object.keys(state.hosts)) {
    const scores = await crmIn(state, h, ['crm_simulate', '--live-check', '--show-scores'], 20_000).catch(
      (e: unknown) => `crm_simulate failed: ${errorMessage(e)}`,
    );
    parts.push(`--- crm_simulate -Ls on ${h}:\n${scores}`);
    const log = join(clusterHostDirs(state.hosts[h]!.dir).logPacemaker, 'pacemaker.log');
    const lines = existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l.includes(resource) || /pacemaker-schedulerd.*(warning|error|Calculated)/.test(l))
          .slice(-120)
      : [`(no ${log})`];
    parts.push(`--- ${h} pacemaker.log about ${resource}:\n${lines.join('\n')}`);
  }
  return parts.join('\n');
}

/**
 * `stonith_admin --reboot target` on `delegate`: the only device that can fence `target` runs there, so the
 * history must name `delegate`, its fenced log the device, the target must have booted again, and it must be
 * back with the device that fences `delegate` started on it.
 */
async function rebootThroughCluster(
  delegate: string,
  target: string,
): Promise<{ rebootMs: number; agentMs: number | undefined }> {
  const t0 = monotonicMs();
  await crmIn(state, delegate, ['stonith_admin', '--reboot', target, '--timeout', '60'], 90_000);
  const rebootMs = monotonicMs() - t0;
  const events = await history(delegate, target);
  const reboot = events.find((e) => e.action === 'reboot' && e.status === 'success');
  expect(reboot, JSON.stringify(events)).toBeDefined();
  expect(reboot!.delegate).toBe(delegate);
  const rebootLog = fencerLogLines(delegate, target, 'reboot');
  expect(rebootLog.some((l) => l.includes(`using fence-${target} returned 0`))).toBe(true);
  // A real reboot: the host's init is new, so it booted again.
  const boots = readFileSync(join(state.hosts[target]!.dir, 'log', 'boot.log'), 'utf8').match(/^boot /gm);
  expect(boots?.length).toBe(2);
  await waitRejoined(target, delegate, `${target} rejoining after its reboot`);
  return { rebootMs, agentMs: agentRunMs(rebootLog, target) };
}

beforeAll(async () => {
  try {
    fenceHavocProgram();
  } catch (err) {
    throw new Error(`${errorMessage(err)}: run \`npm run build\` before this test (.ci/setup does)`);
  }
  realSbinHadFenceHavoc = existsSync('/usr/sbin/fence_havoc');
  const started = monotonicMs();
  await labUp({
    name: LAB,
    hosts: 2,
    volumes: 1,
    recreate: true,
    env,
    signal: AbortSignal.timeout(240_000),
    redactor: new Redactor(),
    progress: () => {},
    ha: { vms: 1, fenceAgent: 'fence_havoc', vmAgent: 'qemu-vm' },
  });
  measured['lab up --ha --fence-agent fence_havoc (2 hosts, 1 VM)'] =
    `${((monotonicMs() - started) / 1000).toFixed(1)} s`;
  state = readLabState(labStateDir(LAB, env))!;
  topo = labTopology(LAB, state.hostCount, state.slot);
}, 300_000);

afterAll(async () => {
  console.log(
    `fence_havoc in the HA lab:\n${Object.entries(measured)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}`,
  );
  await labDown({ name: LAB, env, signal: AbortSignal.timeout(60_000) });
}, 90_000);

describe('fence_havoc as the stonith agent of the HA lab (real pacemaker-fenced, fence_havoc, ipmi_sim)', () => {
  it('every stonith device is stonith:fence_havoc and started; fenced finds the agent in the host-only /usr/sbin overlay', async () => {
    const c = (await labStatus(LAB, env, AbortSignal.timeout(30_000))).cluster!;
    expect(c.error).toBeUndefined();
    expect(c.nodes.map((n) => `${n.name}:${n.state}`).sort()).toEqual(['host1:online', 'host2:online']);
    expect(c.stonith.map((d) => `${d.id}:${d.agent}:${d.role}`).sort()).toEqual([
      'fence-host1:stonith:fence_havoc:Started',
      'fence-host2:stonith:fence_havoc:Started',
    ]);
    expect(c.vms.map((v) => `${v.name}:${v.state}`)).toEqual(['vm1:Started']);
    const meta = await crmIn(state, 'host1', ['stonith_admin', '--metadata', '--agent', 'fence_havoc']);
    expect(meta).toContain('<resource-agent name="fence_havoc"');
    // pacemaker-controld reads the metadata itself, as hacluster: from a root-only checkout it could not, and
    // every operation on the devices paid two failed metadata runs first (seen while chasing the device left
    // Stopped after a reboot).
    const asHacluster = await crmIn(state, 'host1', [
      'runuser',
      '-u',
      'hacluster',
      '--',
      '/usr/sbin/fence_havoc',
      '-o',
      'metadata',
    ]);
    expect(asHacluster).toContain('<resource-agent name="fence_havoc"');
    for (const host of ['host1', 'host2']) {
      const log = readFileSync(
        join(clusterHostDirs(join(state.dir, 'hosts', host)).logPacemaker, 'pacemaker.log'),
        'utf8',
      );
      expect(log.split('\n').filter((l) => l.includes('Failed to get metadata for fence-'))).toEqual([]);
    }
    // The overlay lives in the hosts' mount namespaces only.
    expect(existsSync('/usr/sbin/fence_havoc')).toBe(realSbinHadFenceHavoc);
  });

  it('stonith_admin --reboot host2 succeeds through fence_havoc, the history shows it, and host2 rejoins', async () => {
    const t0 = monotonicMs();
    const { rebootMs, agentMs } = await rebootThroughCluster('host1', 'host2');
    measured['stonith_admin --reboot host2 (off, verified, on)'] =
      `${(rebootMs / 1000).toFixed(1)} s (fence_havoc itself: ${agentMs} ms)`;
    measured['reboot -> host2 back, fence-host1 started on it'] =
      `${((monotonicMs() - t0) / 1000).toFixed(1)} s`;
  }, 180_000);

  it('after that reboot the cluster can fence the other node: stonith_admin --reboot host1 runs fence-host1 on host2, the history shows it, and host1 rejoins', async () => {
    const { rebootMs, agentMs } = await rebootThroughCluster('host2', 'host1');
    measured['stonith_admin --reboot host1 (pcmk_delay_base 5 s, off, verified, on)'] =
      `${(rebootMs / 1000).toFixed(1)} s (fence_havoc itself: ${agentMs} ms)`;
  }, 180_000);

  it('a host powered off through its BMC is fenced by Pacemaker with fence_havoc (history: off, success)', async () => {
    const t0 = monotonicMs();
    const off = await ipmitoolChassis(bmc('host2'), ['power', 'off'], AbortSignal.timeout(20_000));
    expect(off.ok, off.output).toBe(true);
    const fenced = await waitForCluster(
      state,
      'host1',
      'fence of host2 in the stonith history',
      90_000,
      (st) =>
        // The reboot of the previous test is action "reboot"; this is the cluster's own "off" (stonith-action).
        st.fenceHistory?.find((e) => e.target === 'host2' && e.action === 'off' && e.status !== 'pending'),
    );
    const fenceMs = monotonicMs() - t0;
    expect(fenced.status).toBe('success');
    expect(fenced.delegate).toBe('host1');
    const offLog = fencerLogLines('host1', 'host2', 'off');
    expect(offLog.some((l) => l.includes('using fence-host2 returned 0'))).toBe(true);
    measured['BMC power-off of host2 -> fenced by fence_havoc (history success)'] =
      `${(fenceMs / 1000).toFixed(1)} s (fence_havoc itself: ${agentRunMs(offLog, 'host2')} ms)`;

    const on = await ipmitoolChassis(bmc('host2'), ['power', 'on'], AbortSignal.timeout(20_000));
    expect(on.ok, on.output).toBe(true);
    await waitRejoined('host2', 'host1', 'host2 rejoining after power-on');
  }, 240_000);

  it("through two reboots and a power cycle no fence device's operation was lost by a controller (Pacemaker 2.1.5's lost metadata exit)", () => {
    // The symptom of that bug: the DC gives up on an operation the node's controller never ran.
    for (const host of ['host1', 'host2']) {
      const log = readFileSync(
        join(clusterHostDirs(state.hosts[host]!.dir).logPacemaker, 'pacemaker.log'),
        'utf8',
      );
      expect(
        log
          .split('\n')
          .filter((l) =>
            /fence-host\d_\w+ on host\d timed out|(did not return result in time.*fence-host\d|fence-host\d.*did not return result in time)/.test(
              l,
            ),
          ),
        host,
      ).toEqual([]);
    }
  });
});
