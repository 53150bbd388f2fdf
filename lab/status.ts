import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { deadlineSignal } from '../core/deadline.js';
import { HavocError } from '../core/errors.js';
import { readPortStatus } from '../protocols/snmp/if-mib.js';
import { PortLookupCache, resolvePorts } from '../protocols/snmp/port-lookup.js';
import { SnmpSession } from '../protocols/snmp/session.js';
import { BMC_PORT, bmcPowerState, labBmcClient, type PowerState } from './bmc.js';
import { type LabClusterStatus, labClusterStatus } from './ha/ha-status.js';
import { checkLabName } from './names.js';
import { labInventoryPath, labStateDir } from './paths.js';
import { type LabState, readLabState } from './state.js';
import { type LabTopology, labTopology } from './topology.js';

export interface LabStatus {
  name: string;
  phase: string;
  inventory: string;
  addressBlock: string;
  hosts: {
    name: string;
    address: string;
    bmc: string;
    bmcReachable: boolean;
    power: 'on' | 'off' | 'unknown';
    ssh: boolean;
    sshError?: string;
  }[];
  ports: { port: string; alias: string; admin: string; oper: string }[];
  switch: { address: string; reachable: boolean; error?: string };
  storage: { address: string; port: number };
  /** Labs brought up with --ha: Pacemaker's nodes, stonith devices and VMs, from crm_mon in a live host. */
  cluster?: LabClusterStatus;
}

/** Logs in over SSH with the lab's client key, checking the host key against the lab's known_hosts. */
export function sshLoginCheck(
  address: string,
  keyFile: string,
  knownHostKey: string,
  signal: AbortSignal,
): Promise<{ ok: true } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const client = new Client();
    const finish = (r: { ok: true } | { ok: false; error: string }) => {
      signal.removeEventListener('abort', onAbort);
      client.end();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, error: 'timed out' });
    signal.addEventListener('abort', onAbort, { once: true });
    client.on('ready', () => finish({ ok: true }));
    client.on('error', (err) => finish({ ok: false, error: err.message }));
    client.connect({
      host: address,
      port: 22,
      username: 'root',
      privateKey: readFileSync(keyFile),
      readyTimeout: 5000,
      hostVerifier: (key: Buffer) => key.toString('base64') === knownHostKey,
    });
  });
}

/** The base64 key blob known_hosts holds for a host name or address. */
export function knownHostKey(knownHostsFile: string, host: string): string | undefined {
  for (const line of readFileSync(knownHostsFile, 'utf8').split('\n')) {
    const [names, , blob] = line.trim().split(/\s+/);
    if (names?.split(',').includes(host)) return blob;
  }
  return undefined;
}

export async function labStatus(
  nameArg: string,
  env: NodeJS.ProcessEnv,
  parent: AbortSignal,
): Promise<LabStatus> {
  const name = checkLabName(nameArg);
  const dir = labStateDir(name, env);
  const state = readLabState(dir);
  if (!state)
    throw new HavocError('lab', `no lab named "${name}"`, { hint: `run \`havoc lab up --name ${name}\`` });
  const topo = labTopology(name, state.hostCount, state.slot);
  const signal = deadlineSignal(10_000, 'lab status', parent);
  const keyFile = join(dir, 'ssh', 'id_ed25519');
  const knownHosts = join(dir, 'ssh', 'known_hosts');

  const hostsP = Promise.all(
    topo.hosts.map(async (h) => {
      const power = await readPower(state, h, deadlineSignal(3000, `BMC of ${h.name}`, signal));
      const hostKey = state.phase === 'up' ? knownHostKey(knownHosts, h.name) : undefined;
      const ssh = hostKey
        ? await sshLoginCheck(h.address, keyFile, hostKey, deadlineSignal(3000, `ssh to ${h.name}`, signal))
        : { ok: false as const, error: 'no known host key (lab not fully up)' };
      return {
        name: h.name,
        address: h.address,
        bmc: `${h.bmcAddress}:${BMC_PORT}`,
        bmcReachable: power !== undefined,
        power: power ?? ('unknown' as const),
        ssh: ssh.ok,
        ...(ssh.ok ? {} : { sshError: ssh.error }),
      };
    }),
  );
  const portsP = readPorts(state, topo, signal);
  const clusterP = state.ha ? labClusterStatus(state, signal) : Promise.resolve(undefined);
  const [hosts, ports, cluster] = await Promise.all([
    hostsP,
    portsP.then(
      (p) => ({ ok: true as const, p }),
      (err: Error) => ({ ok: false as const, err }),
    ),
    clusterP,
  ]);
  return {
    name,
    phase: state.phase,
    inventory: labInventoryPath(name, env),
    addressBlock: `${topo.networks[0]!.prefix}.0/21`,
    hosts,
    ports: ports.ok ? ports.p : [],
    switch: {
      address: `${topo.switch.address}:161`,
      reachable: ports.ok,
      ...(ports.ok ? {} : { error: ports.err.message }),
    },
    storage: { address: topo.storage.nic.address, port: 10809 },
    ...(cluster ? { cluster } : {}),
  };
}

/** What the host's BMC says, asked with havoc's IPMI client; undefined when it does not answer. */
async function readPower(
  state: LabState,
  host: LabTopology['hosts'][number],
  signal: AbortSignal,
): Promise<PowerState | undefined> {
  try {
    return await bmcPowerState(labBmcClient(state.dir, host), signal);
  } catch {
    return undefined;
  }
}

/** Admin and oper state of every switch port, over SNMP with the read community, in the topology's order. */
async function readPorts(
  state: LabState,
  topo: LabTopology,
  signal: AbortSignal,
): Promise<LabStatus['ports']> {
  const session = new SnmpSession({
    host: topo.switch.address,
    name: topo.switch.name,
    credentials: {
      version: '2c',
      community: readFileSync(join(state.dir, 'secrets', 'snmp-community'), 'utf8').trim(),
    },
    timeoutMs: 2000,
  });
  try {
    const found = await resolvePorts(
      session,
      new PortLookupCache(),
      topo.ports.map((p) => p.name),
      signal,
    );
    const ports = topo.ports.map((p) => found.get(p.name)!);
    const states = await readPortStatus(
      session,
      ports.map((p) => p.ifIndex),
      signal,
    );
    return ports.map((p) => ({
      port: p.name,
      alias: p.alias,
      admin: states.get(p.ifIndex)?.admin ?? 'unknown',
      oper: states.get(p.ifIndex)?.oper ?? 'unknown',
    }));
  } finally {
    session.close();
  }
}
