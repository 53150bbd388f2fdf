import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { deadlineSignal, monotonicMs, pollUntil } from '../core/deadline.js';
import { HavocError } from '../core/errors.js';
import { execProgram, inNetns } from '../core/exec.js';
import type { Redactor } from '../core/redact.js';
import { loadInventory } from '../inventory/load.js';
import { SYS_UPTIME } from '../protocols/snmp/oids.js';
import { SnmpSession } from '../protocols/snmp/session.js';
import { type Cidr, chooseSlot, parseCidr } from './address-plan.js';
import { bmcPowerState, labBmcClient, startLabBmcs } from './bmc.js';
import { chassisScript } from './boot-script.js';
import { writeBootScript } from './boot-services.js';
import { startDaemon } from './daemons.js';
import { labDown } from './down.js';
import { buildFabric, ifIndexes } from './fabric.js';
import { haInventory } from './ha/ha-inventory.js';
import { type FenceAgent, haPlan, type VmAgent } from './ha/ha-plan.js';
import { checkHaPrerequisites } from './ha/ha-prerequisites.js';
import { finishHa, prepareHa } from './ha/ha-up.js';
import { BMC_PORT, type LabSecretsPaths, labInventory, NBD_PORT } from './inventory-writer.js';
import { checkLabName, hostNetns, stationLink, storageNetns, switchNetns } from './names.js';
import { labInventoryPath, labStateDir } from './paths.js';
import { checkLabPrerequisites } from './prerequisites.js';
import { tcpGreeting } from './readiness.js';
import { writeSecretFile } from './secret-files.js';
import { snmpdConfig } from './snmpd-config.js';
import { generateKey, publicKeyLine, sshdConfig, writeKnownHosts } from './ssh-keys.js';
import { type LabState, LabStateStore, readLabState } from './state.js';
import { type LabTopology, labTopology, MAX_HOSTS, MIN_HOSTS } from './topology.js';

export interface LabUpOptions {
  name: string;
  hosts: number;
  /** NBD volumes on the storage host, one per future VM. */
  volumes: number;
  recreate: boolean;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  redactor: Redactor;
  progress: (text: string) => void;
  /** corosync + Pacemaker on every host, with `vms` VMs as cluster resources. */
  ha?: { vms: number; fenceAgent: FenceAgent; vmAgent?: VmAgent };
}

export interface LabUpResult {
  name: string;
  stateDir: string;
  inventory: string;
  hosts: number;
  addressBlock: string;
  upMs: number;
  /** --ha: time from power-on to a formed cluster, and from there to every VM answering HTTP. */
  clusterMs?: number;
  vmsMs?: number;
  vms?: { name: string; ip: string }[];
}

export const SNMP_V3_USER = 'havoc';
const VOLUME_BYTES = 64 * 1024 * 1024;

/** Lab slots already taken by other labs' states, and what the root namespace already routes. */
/** Address blocks (slots) the labs recorded under `stateBase` hold, `self` excepted. */
export function labSlotsInUse(stateBase: string, self?: string): Set<number> {
  const taken = new Set<number>();
  if (existsSync(stateBase)) {
    for (const other of readdirSync(stateBase)) {
      if (other === self) continue;
      try {
        const s = JSON.parse(readFileSync(join(stateBase, other, 'state.json'), 'utf8')) as LabState;
        taken.add(s.slot);
      } catch {
        // not a lab
      }
    }
  }
  return taken;
}

async function rootRoutes(signal: AbortSignal): Promise<Cidr[]> {
  const { stdout } = await execProgram(['ip', '-j', '-4', 'route', 'show', 'table', 'all'], { signal });
  const routes = JSON.parse(stdout) as { dst?: string }[];
  return routes
    .map((r) => r.dst)
    .filter((d): d is string => d !== undefined && /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(d))
    .map(parseCidr);
}

async function refuseLeftovers(name: string, signal: AbortSignal): Promise<void> {
  const { stdout } = await execProgram(['ip', 'netns', 'list'], { signal });
  const existing = new Set(stdout.split('\n').map((l) => l.split(' ')[0]));
  const ours = [
    switchNetns(name),
    storageNetns(name),
    ...Array.from({ length: MAX_HOSTS }, (_, i) => hostNetns(name, i + 1)),
  ];
  const clash = ours.filter((ns) => existing.has(ns));
  const { code } = await execProgram(['ip', 'link', 'show', stationLink(name, 'mgmt')], {
    signal,
    allowFailure: true,
  });
  if (code === 0) clash.push(stationLink(name, 'mgmt'));
  if (clash.length > 0) {
    throw new HavocError('lab', `lab "${name}" has no state, but ${clash.join(', ')} already exist`, {
      hint: 'something else created them; remove them (ip netns del NAME / ip link del NAME) or choose another --name',
    });
  }
}

export async function labUp(opts: LabUpOptions): Promise<LabUpResult> {
  const started = monotonicMs();
  const name = checkLabName(opts.name);
  if (!Number.isInteger(opts.hosts) || opts.hosts < MIN_HOSTS || opts.hosts > MAX_HOSTS) {
    throw new HavocError('usage', `--hosts ${opts.hosts}: a lab has ${MIN_HOSTS} to ${MAX_HOSTS} hosts`);
  }
  if (!Number.isInteger(opts.volumes) || opts.volumes < 1 || opts.volumes > 32) {
    throw new HavocError('usage', `--volumes ${opts.volumes}: between 1 and 32`);
  }
  checkLabPrerequisites(opts.env);
  if (opts.ha) checkHaPrerequisites(opts.env, opts.ha.fenceAgent, opts.ha.vmAgent);
  const dir = labStateDir(name, opts.env);
  if (readLabState(dir) || existsSync(dir)) {
    if (!opts.recreate) {
      throw new HavocError('lab', `lab "${name}" already exists (state in ${dir})`, {
        hint: `use it as it is, run \`havoc lab down --name ${name}\` first, or pass --recreate`,
      });
    }
    opts.progress(`lab ${name}: tearing down the existing lab`);
    await labDown({ name, env: opts.env, signal: opts.signal });
  }
  await refuseLeftovers(name, opts.signal);

  const base = join(dir, '..');
  const taken = labSlotsInUse(base, name);
  const slot = chooseSlot(name, taken, await rootRoutes(opts.signal));
  if (slot === undefined)
    throw new HavocError('lab', 'no free address block left in 198.18.0.0/15 for another lab');
  const topo = labTopology(name, opts.hosts, slot);
  const plan = opts.ha
    ? haPlan(topo, opts.ha.vms, volumeNames(opts.volumes), opts.ha.fenceAgent, opts.ha.vmAgent)
    : undefined;

  const store = LabStateStore.create({
    version: 1,
    name,
    dir,
    createdAt: new Date().toISOString(),
    hostCount: opts.hosts,
    slot,
    phase: 'creating',
    namespaces: [],
    rootLinks: [],
    processes: [],
    hosts: {},
  });
  opts.progress(`lab ${name}: address block ${topo.networks[0]!.prefix}.0/21, ${opts.hosts} hosts`);

  const secrets = createSecrets(store, topo);
  const keysReady = generateKeys(store, topo, secrets, opts.signal);
  await buildFabric(topo, store, opts.signal);
  opts.progress(`lab ${name}: switch, ${topo.ports.length} ports and namespaces wired`);
  await keysReady;
  const prepared = plan ? await prepareHa(store, topo, plan, opts.signal) : undefined;

  await startSwitchAgent(store, topo, secrets, opts.signal);
  const bmcs = startLabBmcs(store, topo, opts.signal);
  // Awaited in waitReady; this only keeps a BMC failure from going unhandled if a step before that throws.
  bmcs.catch(() => {});
  const volumes = startStorage(store, topo, opts.volumes);
  await Promise.all(
    topo.hosts.map((h) =>
      execProgram([join(dir, 'hosts', h.name, 'chassis.sh'), '0x20', 'set', 'power', '1'], {
        signal: opts.signal,
      }),
    ),
  );
  opts.progress(`lab ${name}: daemons started, waiting for them to answer`);

  await waitReady(topo, dir, secrets, bmcs, opts.signal);

  writeKnownHosts(
    secrets.knownHosts,
    topo.hosts.map((h) => ({
      names: [h.name, h.address],
      hostKeyPath: join(dir, 'hosts', h.name, 'ssh_host_ed25519_key'),
    })),
  );
  const inventory = labInventoryPath(name, opts.env);
  const haPart = plan ? haInventory(plan, topo.storage.name) : {};
  writeFileSync(inventory, stringify({ ...labInventory(topo, secrets, volumes), ...haPart }), {
    mode: 0o644,
  });
  writeFileSync(
    join(dir, 'inventory-snmpv3.yaml'),
    stringify({ ...labInventory(topo, secrets, volumes, '3'), ...haPart }),
    { mode: 0o644 },
  );
  // What the lab wrote must be what havoc accepts.
  loadInventory(inventory, opts.redactor);
  loadInventory(join(dir, 'inventory-snmpv3.yaml'), opts.redactor);

  let ha: { clusterMs: number; vmsMs: number } | undefined;
  if (plan && prepared) {
    opts.progress(`lab ${name}: waiting for corosync and Pacemaker to form the cluster`);
    ha = await finishHa(store, topo, plan, prepared, {
      nbdPort: NBD_PORT,
      bmcPort: BMC_PORT,
      inventory,
      progress: opts.progress,
      signal: opts.signal,
    });
  }

  const upMs = Math.round(monotonicMs() - started);
  store.update((s) => {
    s.phase = 'up';
    s.durations = {
      upMs,
      ...(ha ? { clusterMs: Math.round(ha.clusterMs), vmsMs: Math.round(ha.vmsMs) } : {}),
    };
  });
  return {
    name,
    stateDir: dir,
    inventory,
    hosts: opts.hosts,
    addressBlock: `${topo.networks[0]!.prefix}.0/21`,
    upMs,
    ...(ha && plan
      ? {
          clusterMs: Math.round(ha.clusterMs),
          vmsMs: Math.round(ha.vmsMs),
          vms: plan.vms.map((v) => ({ name: v.name, ip: v.ip })),
        }
      : {}),
  };
}

/** The storage host's volume names, one per future VM. */
function volumeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `vm${i + 1}`);
}

function createSecrets(store: LabStateStore, topo: LabTopology): LabSecretsPaths {
  const dir = store.state.dir;
  const bmcAdminPassword: Record<string, string> = {};
  for (const h of topo.hosts) {
    bmcAdminPassword[h.name] = writeSecretFile(dir, `bmc-${h.name}-admin`);
    writeSecretFile(dir, `bmc-${h.name}-operator`);
  }
  const secrets: LabSecretsPaths = {
    clientKey: join(dir, 'ssh', 'id_ed25519'),
    knownHosts: join(dir, 'ssh', 'known_hosts'),
    readCommunity: writeSecretFile(dir, 'snmp-community'),
    writeCommunity: writeSecretFile(dir, 'snmp-write-community'),
    bmcAdminPassword,
    v3AuthKey: writeSecretFile(dir, 'snmp-v3-auth', 20),
    v3PrivKey: writeSecretFile(dir, 'snmp-v3-priv', 20),
  };
  store.update((s) => {
    s.snmpV3 = {
      user: SNMP_V3_USER,
      authProtocol: 'sha',
      privProtocol: 'aes',
      authKeyFile: secrets.v3AuthKey,
      privKeyFile: secrets.v3PrivKey,
    };
  });
  return secrets;
}

const readSecret = (path: string) => readFileSync(path, 'utf8').trim();

async function generateKeys(
  store: LabStateStore,
  topo: LabTopology,
  secrets: LabSecretsPaths,
  signal: AbortSignal,
): Promise<void> {
  const dir = store.state.dir;
  mkdirSync(join(dir, 'ssh'), { recursive: true, mode: 0o700 });
  const hostDirs = topo.hosts.map((h) => {
    const hostDir = join(dir, 'hosts', h.name);
    mkdirSync(join(hostDir, 'log'), { recursive: true, mode: 0o700 });
    return hostDir;
  });
  await Promise.all([
    generateKey(secrets.clientKey, `havoc-lab-${topo.lab}`, signal),
    ...hostDirs.map((d, i) => generateKey(join(d, 'ssh_host_ed25519_key'), topo.hosts[i]!.name, signal)),
  ]);
  const clientPub = publicKeyLine(secrets.clientKey);
  store.update((s) => {
    topo.hosts.forEach((h, i) => {
      const hostDir = hostDirs[i]!;
      writeFileSync(join(hostDir, 'authorized_keys'), `${clientPub} havoc-lab\n`, { mode: 0o600 });
      writeFileSync(join(hostDir, 'sshd_config'), sshdConfig(hostDir, '0.0.0.0'), { mode: 0o600 });
      s.hosts[h.name] = {
        netns: h.netns,
        dir: hostDir,
        setup: [
          [
            'ip',
            'route',
            'replace',
            topo.networks.find((n) => n.key === 'oob')!.subnet,
            'via',
            topo.switch.address,
          ],
        ],
        services: [
          {
            name: 'sshd',
            argv: ['/usr/sbin/sshd', '-D', '-e', '-f', join(hostDir, 'sshd_config')],
            prepare: [['mkdir', '-p', '/run/sshd']],
          },
        ],
      };
    });
  });
  topo.hosts.forEach((h, i) => {
    const hostDir = hostDirs[i]!;
    writeBootScript(h.name, store.state.hosts[h.name]!);
    writeFileSync(
      join(hostDir, 'chassis.sh'),
      chassisScript({ hostName: h.name, netns: h.netns, dir: hostDir, nics: h.nics.map((n) => n.name) }),
      { mode: 0o700 },
    );
  });
}

async function startSwitchAgent(
  store: LabStateStore,
  topo: LabTopology,
  secrets: LabSecretsPaths,
  signal: AbortSignal,
): Promise<void> {
  const dir = join(store.state.dir, 'switch');
  mkdirSync(join(dir, 'persist'), { recursive: true, mode: 0o700 });
  const indexes = await ifIndexes(topo.switch.netns, signal);
  const conf = join(dir, 'snmpd.conf');
  writeFileSync(
    conf,
    snmpdConfig({
      listen: [topo.switch.address],
      sysName: topo.switch.name,
      readCommunity: readSecret(secrets.readCommunity),
      writeCommunity: readSecret(secrets.writeCommunity),
      v3: {
        user: SNMP_V3_USER,
        authKey: readSecret(secrets.v3AuthKey),
        privKey: readSecret(secrets.v3PrivKey),
      },
      ports: topo.ports.map((p) => ({ ifIndex: indexes.get(p.name)!, alias: p.alias })),
    }),
    { mode: 0o600 },
  );
  startDaemon(store, {
    role: 'snmpd',
    netns: topo.switch.netns,
    // -C: only this config; MIBS empty: no MIB files are installed, and numeric OIDs need none.
    argv: ['snmpd', '-f', '-C', '-c', conf, '-Lo'],
    logFile: join(dir, 'snmpd.log'),
    env: { ...process.env, MIBS: '', SNMP_PERSISTENT_DIR: join(dir, 'persist') },
  });
}

function startStorage(store: LabStateStore, topo: LabTopology, count: number): string[] {
  const dir = join(store.state.dir, 'volumes');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const names = volumeNames(count);
  for (const v of names) {
    const path = join(dir, v);
    closeSync(openSync(path, 'w', 0o600));
    truncateSync(path, VOLUME_BYTES);
    chmodSync(path, 0o600);
  }
  const addr = topo.storage.nic.address;
  startDaemon(store, {
    role: 'nbd-server',
    netns: topo.storage.netns,
    // One NBD server, one writable export per volume; any number of clients (live migration opens a second).
    argv: [
      'qemu-storage-daemon',
      ...names.flatMap((v) => ['--blockdev', `driver=file,node-name=${v},filename=${join(dir, v)}`]),
      '--nbd-server',
      `addr.type=inet,addr.host=${addr},addr.port=${NBD_PORT},max-connections=0`,
      ...names.flatMap((v) => ['--export', `type=nbd,id=export-${v},node-name=${v},name=${v},writable=on`]),
    ],
    logFile: join(store.state.dir, 'nbd-server.log'),
  });
  return names;
}

/** NET-SNMP-AGENT-MIB nsCacheTimeout of ifTable (the index is the table's OID, IMPLIED). */
const IF_TABLE_CACHE_TIMEOUT = '1.3.6.1.4.1.8072.1.5.3.1.2.1.3.6.1.2.1.2.2';

/** The lab switch's agent as seen from the station, with a read or the write community. */
function switchAgent(
  topo: LabTopology,
  communityFile: string,
  opts: { timeoutMs: number; attemptTimeoutMs?: number },
) {
  return new SnmpSession({
    host: topo.switch.address,
    name: topo.switch.name,
    credentials: { version: '2c', community: readSecret(communityFile) },
    ...opts,
  });
}

/**
 * The switch agent answers; then its ifTable cache is switched off
 * (net-snmp caches it for 3 s, and the lab wants port states read as they are).
 */
async function switchAgentReady(
  topo: LabTopology,
  secrets: LabSecretsPaths,
  signal: AbortSignal,
): Promise<void> {
  // Datagrams sent before snmpd has bound are lost: ask again every 100 ms until the deadline.
  const read = switchAgent(topo, secrets.readCommunity, { timeoutMs: 30_000, attemptTimeoutMs: 100 });
  try {
    await read.get([SYS_UPTIME], signal);
  } catch (err) {
    throw new HavocError('lab', `the switch agent (snmpd) did not come up: ${(err as Error).message}`);
  } finally {
    read.close();
  }
  const write = switchAgent(topo, secrets.writeCommunity, { timeoutMs: 5000 });
  try {
    await write.setInteger(IF_TABLE_CACHE_TIMEOUT, 0, signal);
  } finally {
    write.close();
  }
}

async function waitReady(
  topo: LabTopology,
  stateDir: string,
  secrets: LabSecretsPaths,
  bmcs: Promise<unknown>,
  parent: AbortSignal,
): Promise<void> {
  const signal = deadlineSignal(30_000, 'waiting for the lab daemons', parent);
  const backoff = { initialMs: 20, maxMs: 250 };
  const greeting = (addr: string, port: number, prefix: string, what: string) =>
    pollUntil(
      async (s) =>
        (await tcpGreeting(addr, port, deadlineSignal(1000, what, s)))?.startsWith(prefix) ? true : undefined,
      signal,
      backoff,
    ).catch((err) => {
      throw new HavocError('lab', `${what} did not come up: ${(err as Error).message}`);
    });
  await Promise.all([
    ...topo.hosts.map((h) => greeting(h.address, 22, 'SSH-', `sshd on ${h.name}`)),
    // The station is not on the storage network; look for the listening socket inside the storage host.
    pollUntil(
      async (s) => {
        const { stdout } = await execProgram(
          inNetns(topo.storage.netns, ['ss', '-Hltn', `sport = :${NBD_PORT}`]),
          { signal: s, allowFailure: true },
        );
        return stdout.includes(`${topo.storage.nic.address}:${NBD_PORT}`) ? true : undefined;
      },
      signal,
      backoff,
    ).catch((err) => {
      throw new HavocError(
        'lab',
        `the NBD server (qemu-storage-daemon) on the storage host did not come up: ${(err as Error).message}`,
      );
    }),
    switchAgentReady(topo, secrets, signal),
    // Each BMC answers (lab/ipmi-sim.ts waits for that), then reports the power on the chassis script set.
    bmcs.then(() =>
      Promise.all(
        topo.hosts.map((h) => {
          const client = labBmcClient(stateDir, h);
          return pollUntil(
            async (s) =>
              (await bmcPowerState(client, s).catch(() => undefined)) === 'on' ? true : undefined,
            signal,
            backoff,
          ).catch((err) => {
            throw new HavocError(
              'lab',
              `the BMC of ${h.name} (ipmi_sim) did not report power on: ${(err as Error).message}`,
            );
          });
        }),
      ),
    ),
  ]);
}
