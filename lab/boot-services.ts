import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HavocError } from '../core/errors.js';
import { execProgram } from '../core/exec.js';
import { bootScript } from './boot-script.js';
import { labStateDir } from './paths.js';
import { isRunning } from './process-identity.js';
import { type BootService, type LabHostState, LabStateStore, readLabState } from './state.js';

/*
 * What a lab host runs at boot is data in the lab state (sshd from part 1;
 * corosync, pacemaker and VMs from part 2). Powering a host on through its
 * BMC runs boot.sh, regenerated from that list, so every registered service
 * comes back after a power cycle, as it would on a real server.
 */

export function writeBootScript(hostName: string, host: LabHostState): void {
  writeFileSync(
    join(host.dir, 'boot.sh'),
    bootScript({ name: hostName, dir: host.dir, setup: host.setup }, host.services),
    {
      mode: 0o700,
    },
  );
}

function openLab(lab: string, env: NodeJS.ProcessEnv): LabStateStore {
  const state = readLabState(labStateDir(lab, env));
  if (!state)
    throw new HavocError('lab', `no lab named "${lab}" is up`, { hint: 'run `havoc lab up` first' });
  return new LabStateStore(state);
}

/**
 * Adds (or replaces, by name) a service every boot of `hostName` starts, after
 * the ones already registered. It takes effect at the host's next power-on;
 * call startBootService to start it in the running host as well.
 */
export function registerBootService(
  lab: string,
  hostName: string,
  service: BootService,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const store = openLab(lab, env);
  const host = store.state.hosts[hostName];
  if (!host) throw new HavocError('lab', `lab "${lab}" has no host "${hostName}"`);
  store.update((s) => {
    const h = s.hosts[hostName]!;
    const i = h.services.findIndex((x) => x.name === service.name);
    if (i >= 0) h.services[i] = service;
    else h.services.push(service);
  });
  writeBootScript(hostName, store.state.hosts[hostName]!);
}

/** The PID of a powered-on host's init (PID 1 of its PID namespace), or undefined when it is off. */
export function hostInitPid(host: LabHostState): number | undefined {
  let rec: string;
  try {
    rec = readFileSync(join(host.dir, 'power.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const [pid, startTime] = rec.trim().split(/\s+/);
  if (!pid || !startTime || !isRunning({ pid: Number(pid), startTime })) return undefined;
  try {
    const child = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return child ? Number(child) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a registered service now in a running host: inside all of the
 * host's namespaces, detached, so it is reparented to the host's init and
 * dies with the host like the services started at boot.
 */
export async function startBootService(
  lab: string,
  hostName: string,
  serviceName: string,
  signal: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const store = openLab(lab, env);
  const host = store.state.hosts[hostName];
  const svc = host?.services.find((s) => s.name === serviceName);
  if (!host || !svc)
    throw new HavocError('lab', `lab "${lab}" host "${hostName}" has no boot service "${serviceName}"`);
  const init = hostInitPid(host);
  if (init === undefined)
    throw new HavocError('lab', `${hostName} is powered off`, {
      hint: 'power it on through its BMC; its boot starts every service',
    });
  const log = join(host.dir, 'log', `${svc.name}.log`);
  const script = [...(svc.prepare ?? []), svc.argv]
    .map(
      (argv, i, all) =>
        `${argv.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ')}${i === all.length - 1 ? ' &' : ''}`,
    )
    .join('\n');
  await execProgram(
    [
      'nsenter',
      '-t',
      String(init),
      '-n',
      '-m',
      '-u',
      '-p',
      '--',
      'setsid',
      '-f',
      'sh',
      '-c',
      `exec </dev/null >>'${log}' 2>&1\n${script}`,
    ],
    { signal },
  );
}
