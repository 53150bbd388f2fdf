import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { abortableSleep, deadlineSignal } from '../../core/deadline.js';
import { SnmpSession } from '../../protocols/snmp/session.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);

/*
 * A real net-snmp snmpd (Debian `snmpd`) acting as a switch, for integration
 * tests and bench/snmp. It runs inside its own network namespace
 * `hvs-<id>`, whose "ports" swp1..swpN are veth pairs: the other end of each
 * (hp1..hpN) sits in a second namespace `hvs-<id>h` standing for the hosts.
 * A veth reports NO-CARRIER when its peer is down, so an ifAdminStatus
 * down(2) SET really makes the link oper-down on both sides, unlike a dummy
 * interface, which has no peer and stays up/unknown.
 *
 * The agent is reached from the root namespace through a veth on
 * 198.19.250.0/24, one /30 per instance (root side .4k+1, agent .4k+2):
 * the lab uses blocks of 198.18.0.0/15 derived per lab and never this one.
 * Addressed ports (for ping tests) use 198.19.251.0/24 inside the two
 * namespaces only, so they cannot collide with anything outside them.
 */

export interface SnmpdPort {
  /** Interface name on the switch side: swpN (also its ifName and ifDescr). */
  name: string;
  /** The switch-side ifIndex (snmpd uses the kernel's, and the namespace numbers from lo=1, uplink=2). */
  ifIndex: number;
  alias: string;
  /** The host-side end, in the hosts namespace. */
  peer: string;
  /** Only for addressed ports: switch side and host side IPv4. */
  switchAddress?: string;
  hostAddress?: string;
}

export interface SnmpdAgent {
  switchNamespace: string;
  hostsNamespace: string;
  /** The agent's address and UDP port, reachable from the root namespace. */
  address: string;
  port: number;
  readCommunity: string;
  writeCommunity: string;
  v3: { user: string; authKey: string; privKey: string };
  ports: SnmpdPort[];
  pid: number;
  dir: string;
  /** One ICMP echo from the host side of the port to its switch side. */
  ping(port: string, signal: AbortSignal): Promise<boolean>;
  /** The kernel's view of a switch-side port: "UP", "DOWN", "LOWERLAYERDOWN". */
  kernelState(port: string): Promise<string>;
  /** Takes a port's switch end (or, with side "host", its host end) down or up with `ip link`, behind the agent's back. */
  setLink(port: string, up: boolean, side?: 'switch' | 'host'): Promise<void>;
  stop(): Promise<void>;
}

export interface SnmpdOptions {
  /** Number of switch ports (veth pairs). */
  ports: number;
  /** How many of the first ports get addresses for ping tests. */
  addressedPorts?: number;
  /** Port aliases (ifAlias) by port name; default "host<N> eth0". */
  aliases?: Record<string, string>;
  /** Read and write communities; random by default. */
  communities?: { read?: string; write?: string };
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the snmpd test agent needs root: it creates network namespaces and veth pairs');
  }
}

function requireProgram(path: string, debianPackage: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is not installed: install the Debian package ${debianPackage}`);
  }
}

async function ip(args: string[], input?: string): Promise<string> {
  if (input === undefined) return (await run('ip', args)).stdout;
  return new Promise((resolve, reject) => {
    const child = execFile('ip', args, (err, stdout, stderr) =>
      err ? reject(new Error(`ip ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}

function quoted(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** A /30 on 198.19.250.0/24 that no root-namespace interface uses yet. */
async function freeUplinkBlock(): Promise<number> {
  const used = await ip(['-4', '-o', 'addr', 'show']);
  const blocks = [...Array(64).keys()].sort(() => Math.random() - 0.5);
  for (const k of blocks) {
    if (!used.includes(` 198.19.250.${4 * k + 1}/`)) return k;
  }
  throw new Error('no free /30 left on 198.19.250.0/24: stale hvs-* namespaces? `ip netns list`');
}

export async function startSnmpd(options: SnmpdOptions): Promise<SnmpdAgent> {
  requireRoot();
  requireProgram('/usr/sbin/snmpd', 'snmpd');
  requireProgram('/usr/bin/ping', 'iputils-ping');
  const id = randomBytes(3).toString('hex');
  const switchNs = `hvs-${id}`;
  const hostsNs = `hvs-${id}h`;
  const uplinkRoot = `hvs${id}u`;
  const dir = tempDir('hvs-snmpd-');
  const state = { namespaces: [] as string[], pid: 0 };
  const recordState = () => writeFile(join(dir, 'state.json'), JSON.stringify(state));
  let child: ChildProcess | undefined;

  const cleanup = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), abortableSleep(3000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    for (const ns of state.namespaces) await ip(['netns', 'del', ns]).catch(() => undefined);
    await ip(['link', 'del', uplinkRoot]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const block = await freeUplinkBlock();
    const rootAddress = `198.19.250.${4 * block + 1}`;
    const address = `198.19.250.${4 * block + 2}`;
    for (const ns of [switchNs, hostsNs]) {
      await ip(['netns', 'add', ns]);
      state.namespaces.push(ns);
      await recordState();
    }
    await ip(['link', 'add', uplinkRoot, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', switchNs]);
    await ip(['addr', 'add', `${rootAddress}/30`, 'dev', uplinkRoot]);
    await ip(['link', 'set', uplinkRoot, 'up']);

    const ports: SnmpdPort[] = [];
    const switchBatch = ['link set lo up', `addr add ${address}/30 dev uplink`, 'link set uplink up'];
    const hostBatch = ['link set lo up'];
    for (let n = 1; n <= options.ports; n++) {
      const port: SnmpdPort = {
        name: `swp${n}`,
        ifIndex: 0,
        alias: options.aliases?.[`swp${n}`] ?? `host${n} eth0`,
        peer: `hp${n}`,
      };
      switchBatch.push(`link add ${port.name} type veth peer name ${port.peer} netns ${hostsNs}`);
      switchBatch.push(`link set ${port.name} up`);
      hostBatch.push(`link set ${port.peer} up`);
      if (n <= (options.addressedPorts ?? 0)) {
        port.switchAddress = `198.19.251.${4 * (n - 1) + 1}`;
        port.hostAddress = `198.19.251.${4 * (n - 1) + 2}`;
        switchBatch.push(`addr add ${port.switchAddress}/30 dev ${port.name}`);
        hostBatch.push(`addr add ${port.hostAddress}/30 dev ${port.peer}`);
      }
      ports.push(port);
    }
    await ip(['-n', switchNs, '-batch', '-'], `${switchBatch.join('\n')}\n`);
    await ip(['-n', hostsNs, '-batch', '-'], `${hostBatch.join('\n')}\n`);
    const links = JSON.parse(await ip(['-n', switchNs, '-j', 'link', 'show'])) as {
      ifindex: number;
      ifname: string;
    }[];
    for (const port of ports) {
      const link = links.find((l) => l.ifname === port.name);
      if (!link) throw new Error(`veth ${port.name} missing in ${switchNs}`);
      port.ifIndex = link.ifindex;
    }

    const secret = () => randomBytes(9).toString('base64url');
    const readCommunity = options.communities?.read ?? `ro${secret()}`;
    const writeCommunity = options.communities?.write ?? `rw${secret()}`;
    const v3 = { user: 'hvsfence', authKey: `auth${secret()}`, privKey: `priv${secret()}` };
    const udpPort = 20000 + Math.floor(Math.random() * 40000);
    // net-snmp 5.9 does not read the kernel's interface alias: serve ifAlias
    // with `override` lines, as the lab's switch does.
    const config = [
      `agentAddress udp:${address}:${udpPort}`,
      `rocommunity ${quoted(readCommunity)} default`,
      `rwcommunity ${quoted(writeCommunity)} default`,
      `createUser ${v3.user} SHA ${quoted(v3.authKey)} AES ${quoted(v3.privKey)}`,
      `rwuser ${v3.user} priv`,
      ...ports.map((p) => `override .1.3.6.1.2.1.31.1.1.1.18.${p.ifIndex} octet_str ${quoted(p.alias)}`),
      '',
    ].join('\n');
    const configFile = join(dir, 'snmpd.conf');
    await writeFile(configFile, config, { mode: 0o600 });
    const log = join(dir, 'snmpd.log');
    // -C: only our config; SNMP_PERSISTENT_DIR: usmUser and engineBoots land
    // in the temp dir, never in /var/lib/snmp. `ip netns exec` execs snmpd in
    // place, so the child's PID is snmpd's.
    child = spawn(
      'ip',
      [
        'netns',
        'exec',
        switchNs,
        '/usr/sbin/snmpd',
        '-f',
        '-C',
        '-c',
        configFile,
        '-Lf',
        log,
        '-M',
        '/dev/null',
        '-m',
        '',
      ],
      { env: { ...process.env, SNMP_PERSISTENT_DIR: join(dir, 'persist') }, stdio: 'ignore' },
    );
    state.pid = child.pid ?? 0;
    await recordState();
    await waitForAgent(address, udpPort, readCommunity, child, log);

    const portByName = (name: string) => {
      const port = ports.find((p) => p.name === name);
      if (!port) throw new Error(`no port ${name} on the test switch`);
      return port;
    };
    return {
      switchNamespace: switchNs,
      hostsNamespace: hostsNs,
      address,
      port: udpPort,
      readCommunity,
      writeCommunity,
      v3,
      ports,
      pid: state.pid,
      dir,
      async ping(name, signal) {
        const port = portByName(name);
        if (!port.switchAddress) throw new Error(`port ${name} has no address: start with addressedPorts`);
        return new Promise((resolve) => {
          execFile(
            'ip',
            ['netns', 'exec', hostsNs, 'ping', '-c', '1', '-W', '1', port.switchAddress as string],
            { signal },
            (err) => resolve(!err),
          );
        });
      },
      async kernelState(name) {
        const [link] = JSON.parse(
          await ip(['-n', switchNs, '-j', 'link', 'show', portByName(name).name]),
        ) as {
          operstate: string;
        }[];
        return link?.operstate ?? 'MISSING';
      },
      async setLink(name, up, side = 'switch') {
        const port = portByName(name);
        const [ns, dev] = side === 'switch' ? [switchNs, port.name] : [hostsNs, port.peer];
        await ip(['-n', ns, 'link', 'set', dev, up ? 'up' : 'down']);
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function waitForAgent(
  address: string,
  port: number,
  community: string,
  child: ChildProcess,
  log: string,
) {
  const signal = deadlineSignal(10_000, 'snmpd start');
  let onExit: ((code: number | null) => void) | undefined;
  const exited = new Promise<never>((_, reject) => {
    onExit = (code) => {
      readFile(log, 'utf8')
        .catch(() => '')
        .then((text) => reject(new Error(`snmpd exited (code ${code}) before answering: ${text.trim()}`)));
    };
    child.once('exit', onExit);
  });
  exited.catch(() => undefined);
  const session = new SnmpSession({
    host: address,
    port,
    credentials: { version: '2c', community },
    timeoutMs: 10_000,
    attemptTimeoutMs: 100,
  });
  try {
    await Promise.race([session.get(['1.3.6.1.2.1.1.3.0'], signal), exited]);
  } finally {
    if (onExit) child.off('exit', onExit);
    session.close();
  }
}
