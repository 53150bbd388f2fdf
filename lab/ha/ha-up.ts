import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import { shQuote } from '../../core/shell-quote.js';
import type { CrmMonStatus } from '../../protocols/pacemaker/index.js';
import { BMC_ADMIN_USER } from '../bmc.js';
import { writeBootScript } from '../boot-services.js';
import { buildGuestImage, type GuestImage } from '../guest/initramfs.js';
import type { LauncherOptions } from '../ocf/ocfLauncher.js';
import type { LabStateStore } from '../state.js';
import type { LabTopology } from '../topology.js';
import { fetchGuestStatus } from '../vm/guestProbe.js';
import {
  clusterProperties,
  constraintsXml,
  resourceDefaults,
  resourcesXml,
  stonithId,
} from './cib-config.js';
import { clusterHostDirs, clusterServices, newAuthkey, writeClusterHost } from './cluster-host.js';
import { readClusterView } from './cluster-status.js';
import { domainXml } from './domain-xml.js';
import type { HaPlan } from './ha-plan.js';
import { liveHosts, runInHost } from './host-command.js';
import { writeLibvirtHost } from './libvirt-host.js';
import { buildVmBridges, connectStationToData } from './vm-network.js';

/*
 * `lab up --ha`, in two halves around the hosts' first power-on:
 * prepareHa writes every host's cluster files and registers corosync and
 * pacemakerd as boot services (so every later power-on starts them too),
 * wires the VM bridges and the station's data port; finishHa waits for the
 * cluster to form, configures the CIB once, and waits until every VM
 * answers HTTP from the management station.
 */

export interface HaPrepared {
  image: GuestImage;
}

/** The OCF agent this checkout runs: the .ts through tsx while developing, the compiled .js otherwise. */
export function agentLauncher(): LauncherOptions {
  const here = fileURLToPath(import.meta.url);
  const isTs = here.endsWith('.ts');
  const agent = join(dirname(here), '..', 'ocf', isTs ? 'qemu-vm.ts' : 'qemu-vm.js');
  return {
    node: process.execPath,
    agent,
    ...(isTs ? { nodeArgs: ['--import', import.meta.resolve('tsx')] } : {}),
  };
}

/** The libvirt domain XML of a VM: in the lab state directory, which every lab host sees. */
export function domainConfigPath(stateDir: string, vm: string): string {
  return join(stateDir, 'ha', 'domains', `${vm}.xml`);
}

export function passwordScriptPath(stateDir: string, host: string): string {
  return join(stateDir, 'ha', `bmc-password-${host}.sh`);
}

export async function prepareHa(
  store: LabStateStore,
  topo: LabTopology,
  plan: HaPlan,
  signal: AbortSignal,
): Promise<HaPrepared> {
  const dir = store.state.dir;
  const image = buildGuestImage({ cacheDir: join(dir, 'guest'), signal });
  const authkey = newAuthkey();
  const launcher = agentLauncher();
  const hostDirs = await Promise.all(
    plan.nodes.map((n) => writeClusterHost(store.state.hosts[n.name]!.dir, plan, authkey, launcher)),
  );
  const libvirtDirs = plan.nodes.map((n) =>
    plan.vmAgent === 'virtualdomain' ? writeLibvirtHost(store.state.hosts[n.name]!.dir, n, plan) : undefined,
  );
  mkdirSync(join(dir, 'ha'), { recursive: true, mode: 0o700 });
  for (const n of plan.nodes) {
    writeFileSync(
      passwordScriptPath(dir, n.name),
      `#!/bin/sh\n# fence_ipmilan password_script for the BMC of ${n.name}\nexec head -n 1 ${shQuote(join(dir, 'secrets', `bmc-${n.name}-admin`))}\n`,
      { mode: 0o700 },
    );
  }
  store.update((s) => {
    plan.nodes.forEach((n, i) => {
      const h = s.hosts[n.name]!;
      for (const svc of clusterServices(hostDirs[i]!, plan.fenceAgent, libvirtDirs[i])) {
        const at = h.services.findIndex((x) => x.name === svc.name);
        if (at >= 0) h.services[at] = svc;
        else h.services.push(svc);
      }
    });
    s.ha = {
      fenceAgent: plan.fenceAgent,
      vms: plan.vms.map((v) => ({ name: v.name, ip: v.ip, homeHost: v.homeHost })),
    };
  });
  for (const n of plan.nodes) writeBootScript(n.name, store.state.hosts[n.name]!);
  await Promise.all([buildVmBridges(topo, plan, signal), connectStationToData(store, topo, plan, signal)]);
  return { image: await image };
}

const backoff = { initialMs: 200, maxMs: 1000 };

function clusterFormed(st: CrmMonStatus, plan: HaPlan): string | undefined {
  if (!st.summary.dcPresent) return 'no DC elected yet';
  if (st.summary.withQuorum === false) return 'no quorum';
  const offline = plan.nodes.filter((n) => !st.nodes.find((x) => x.name === n.name)?.online);
  if (offline.length > 0) return `not online yet: ${offline.map((n) => n.name).join(', ')}`;
  return undefined;
}

function everythingStarted(st: CrmMonStatus, plan: HaPlan): string | undefined {
  const ids = [...plan.nodes.map((n) => stonithId(n.name)), ...plan.vms.map((v) => v.name)];
  const failed = st.failures.map((f) => `${f.opKey} on ${f.node}: ${f.exitReason ?? f.exitStatus}`);
  if (failed.length > 0) return `failed actions: ${failed.join('; ')}`;
  const waiting = ids.filter((id) => {
    const r = st.resources.find((x) => x.id === id);
    return !(r?.active && r.role === 'Started' && r.nodes.length === 1);
  });
  return waiting.length > 0 ? `not started yet: ${waiting.join(', ')}` : undefined;
}

/**
 * pacemaker-fenced's own lines about the stonith devices a problem names, from every host's log: a
 * monitor that failed with "'fence-hostN' not active" means the fencer held the device from the CIB
 * but had lost the executor's registration of it (it drops a device wholesale when its own scheduler
 * run does not place it here), and only these lines say when and why; the lab is gone after a test.
 */
function fencerLinesOf(store: LabStateStore, plan: HaPlan, problem: string): string {
  const ids = plan.nodes.map((n) => stonithId(n.name)).filter((id) => problem.includes(id));
  if (ids.length === 0) return '';
  const lines: string[] = [];
  for (const n of plan.nodes) {
    let text: string;
    try {
      text = readFileSync(
        join(clusterHostDirs(join(store.state.dir, 'hosts', n.name)).logPacemaker, 'pacemaker.log'),
        'utf8',
      );
    } catch {
      continue;
    }
    const mine = text
      .split('\n')
      .filter((l) => /pacemaker-fenced|pacemaker-execd/.test(l) && ids.some((id) => l.includes(id)));
    lines.push(...mine.slice(-8));
  }
  return lines.length > 0 ? `; the fencer's log about ${ids.join(', ')}:\n${lines.join('\n')}` : '';
}

/** Polls crm_mon until `problem` finds none; the last problem seen goes into the timeout error. */
async function waitCluster(
  store: LabStateStore,
  plan: HaPlan,
  what: string,
  problem: (st: CrmMonStatus, plan: HaPlan) => string | undefined,
  signal: AbortSignal,
): Promise<CrmMonStatus> {
  let last = 'crm_mon not asked yet';
  try {
    return await pollUntil(
      async (s) => {
        try {
          const view = await readClusterView(store.state, s);
          const p = problem(view.status, plan);
          if (p === undefined) return view.status;
          last = p;
        } catch (err) {
          if (s.aborted) throw err;
          last = errorMessage(err);
        }
        return undefined;
      },
      signal,
      backoff,
    );
  } catch (err) {
    if (!signal.aborted) throw err;
    throw new HavocError('lab', `${what}: ${last}${fencerLinesOf(store, plan, last)}`, {
      hint: `see the hosts' logs in ${store.state.dir}/hosts/*/log (corosync.log, pacemaker.log) and ha/log-pacemaker`,
    });
  }
}

async function applyCib(
  store: LabStateStore,
  plan: HaPlan,
  image: GuestImage,
  topo: LabTopology,
  nbdPort: number,
  bmcPort: number,
  inventory: string,
  signal: AbortSignal,
): Promise<void> {
  const host = liveHosts(store.state)[0];
  if (!host) throw new HavocError('lab', 'every lab host is powered off; cannot configure the cluster');
  const inHost = (argv: string[]) => runInHost(host, store.state.hosts[host]!, argv, signal);
  for (const [name, value] of Object.entries(clusterProperties()))
    await inHost(['crm_attribute', '--type', 'crm_config', '--name', name, '--update', value]);
  for (const [name, value] of Object.entries(resourceDefaults()))
    await inHost(['crm_attribute', '--type', 'rsc_defaults', '--name', name, '--update', value]);
  const paths = {
    kernel: image.kernel,
    initrd: image.initrd,
    nbdHost: topo.storage.nic.address,
    nbdPort,
    bmcPort,
    bmcUser: BMC_ADMIN_USER,
    passwordScript: (node: string) => passwordScriptPath(store.state.dir, node),
    inventory,
    domainConfig: (vm: string) => domainConfigPath(store.state.dir, vm),
  };
  if (plan.vmAgent === 'virtualdomain') {
    mkdirSync(join(store.state.dir, 'ha', 'domains'), { recursive: true, mode: 0o755 });
    for (const vm of plan.vms) {
      const xml = domainXml(vm, {
        lab: topo.lab,
        kernel: image.kernel,
        initrd: image.initrd,
        nbdHost: paths.nbdHost,
        nbdPort: nbdPort,
      });
      writeFileSync(paths.domainConfig(vm.name), xml, { mode: 0o644 });
    }
  }
  // Resources before the constraints that name them; the scheduler settles within a second either way.
  await inHost(['cibadmin', '--replace', '--scope', 'resources', '--xml-text', resourcesXml(plan, paths)]);
  await inHost(['cibadmin', '--replace', '--scope', 'constraints', '--xml-text', constraintsXml(plan)]);
}

export interface HaFinishOptions {
  nbdPort: number;
  bmcPort: number;
  inventory: string;
  progress: (text: string) => void;
  signal: AbortSignal;
}

export async function finishHa(
  store: LabStateStore,
  topo: LabTopology,
  plan: HaPlan,
  prepared: HaPrepared,
  opts: HaFinishOptions,
): Promise<{ clusterMs: number; vmsMs: number }> {
  const t0 = monotonicMs();
  await waitCluster(
    store,
    plan,
    'the cluster did not form within 90 s',
    clusterFormed,
    deadlineSignal(90_000, 'cluster formation', opts.signal),
  );
  const clusterMs = monotonicMs() - t0;
  opts.progress(`lab ${topo.lab}: cluster formed (${(clusterMs / 1000).toFixed(1)} s), configuring the CIB`);
  await applyCib(
    store,
    plan,
    prepared.image,
    topo,
    opts.nbdPort,
    opts.bmcPort,
    opts.inventory,
    deadlineSignal(30_000, 'CIB configuration', opts.signal),
  );
  const vmSignal = deadlineSignal(120_000, 'VM start', opts.signal);
  await waitCluster(
    store,
    plan,
    'the stonith devices and VMs did not all start within 120 s',
    everythingStarted,
    vmSignal,
  );
  await Promise.all(
    plan.vms.map((vm) =>
      pollUntil(
        (s) => fetchGuestStatus(`http://${vm.ip}/`, { signal: s, timeoutMs: 1000 }).catch(() => undefined),
        vmSignal,
        backoff,
      ).catch((err) => {
        throw new HavocError(
          'lab',
          `VM ${vm.name} runs but its HTTP service at http://${vm.ip}/ did not answer the management station: ${errorMessage(err)}`,
        );
      }),
    ),
  );
  return { clusterMs, vmsMs: monotonicMs() - t0 - clusterMs };
}
