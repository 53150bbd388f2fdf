import { execFile, spawn } from 'node:child_process';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { abortableSleep, backoffIntervals, deadlineSignal, pollUntil } from '../core/deadline.js';
import { AuthError, HavocError, TimeoutError } from '../core/errors.js';
import { IpmiClient } from '../protocols/ipmi/index.js';

/**
 * One real BMC for the lab: OpenIPMI's `ipmi_sim` (Debian package openipmi)
 * answering IPMI 2.0/RMCP+ on UDP. It offers cipher suite 3 (HMAC-SHA1,
 * AES-128) and also cipher suite 0, with which it accepts any password: the
 * hole havoc refuses to use. It does not offer suite 17.
 *
 * Power is delegated to the caller's chassis control script, run by
 * ipmi_sim through popen() as `SCRIPT 0x20 <verb> ...` (read from OpenIPMI
 * lanserv/bmc_chassis.c and extcmd.c, confirmed with ipmitool here):
 *   Get Chassis Status        -> `SCRIPT 0x20 get power`, which must print `power:0` or `power:1`
 *   power down (0x00)         -> `SCRIPT 0x20 set power 0`
 *   power up (0x01)           -> `SCRIPT 0x20 set power 1`
 *   power cycle (0x02)        -> `set power 0`; then every second `get power` until it reads 0, then `set power 1`
 *   hard reset (0x03)         -> `SCRIPT 0x20 set reset 1`
 *   soft off / ACPI (0x05)    -> `SCRIPT 0x20 set shutdown 1`
 *   diagnostic interrupt      -> not run: answered with completion code 0xCC, unless
 *                                `diagInterruptModule` is loaded: then `SCRIPT 0x20 set diag 1`
 *                                (lab/bmc-diag-module.ts)
 * A non-zero exit of the script becomes completion code 0xFF. ipmi_sim is
 * single-threaded and waits for the script, so a slow script stalls the BMC:
 * a script that really takes seconds should start the work and return.
 */

export interface IpmiSimUser {
  name: string;
  password: string;
}

export interface IpmiSimConfig {
  /** Directory for lan.conf, emu.cmds, the PID file and the log; created if missing. */
  stateDir: string;
  /** Address ipmi_sim binds to, e.g. 127.0.0.1, or an address inside `netns`. */
  address: string;
  port: number;
  /** User with privilege limit administrator (4). */
  admin: IpmiSimUser;
  /** User with privilege limit operator (3). */
  operator: IpmiSimUser;
  /** Absolute path of the chassis control script (see above). */
  chassisControlScript: string;
  /** BMC name in lan.conf; "hvi-bmc" by default. */
  name?: string;
  /** Run ipmi_sim inside this network namespace. */
  netns?: string;
  /** Or any other command prefix, e.g. ['nsenter', '-t', '123', '-n']. Ignored when netns is set. */
  commandPrefix?: readonly string[];
  /**
   * When startIpmiSim returns: 'device-id' once the BMC answers an
   * authenticated Get Device ID sent from this process by havoc's IPMI client
   * (so `address` must be reachable from here); 'bound' once its UDP socket is
   * bound (ss, run with the same prefix). By default 'device-id' when
   * ipmi_sim runs in this namespace, 'bound' when netns or commandPrefix is set.
   */
  readiness?: 'device-id' | 'bound';
  /** How long to wait for the BMC to be ready; 10 s by default. */
  readyTimeoutMs?: number;
  /**
   * The shared object lab/bmc-diag-module.ts builds: with it, Chassis Control
   * pulse diagnostic interrupt runs `SCRIPT 0x20 set diag 1` instead of
   * being refused with 0xCC.
   */
  diagInterruptModule?: string;
  /** Called with the PID right after the spawn, before the readiness wait (the lab records it in its state). */
  onSpawn?: (pid: number) => void;
}

export interface IpmiSimHandle {
  pid: number;
  address: string;
  port: number;
  stateDir: string;
  configFile: string;
  logFile: string;
  pidFile: string;
}

const BMC_IPMB = '0x20';

/** Values that go between double quotes in lan.conf must not end the quoted string. */
function quoted(value: string, what: string): string {
  if (value.length === 0 || /["\\\s]/.test(value)) {
    throw new HavocError(
      'config',
      `ipmi_sim ${what} must be non-empty without quotes, backslashes or spaces`,
      {
        hint: `choose another ${what}`,
      },
    );
  }
  return `"${value}"`;
}

/** The lan.conf for one BMC: one LAN channel, an administrator and an operator, power via the script. */
export function renderLanConf(config: IpmiSimConfig): string {
  for (const u of [config.admin, config.operator]) {
    if (Buffer.byteLength(u.name) > 16)
      throw new HavocError('config', `ipmi_sim user name "${u.name}" exceeds 16 bytes`);
    // IPMI 2.0 allows 20 bytes, but ipmi_sim keeps only 19 (a C string in a 20-byte field): with a
    // 20-byte password ipmitool's RAKP fails, and its first 19 bytes log in.
    if (Buffer.byteLength(u.password) > 19) {
      throw new HavocError(
        'config',
        `password of ipmi_sim user "${u.name}" exceeds 19 bytes (ipmi_sim truncates longer ones)`,
      );
    }
  }
  if (!config.chassisControlScript.startsWith('/')) {
    throw new HavocError(
      'config',
      `chassis control script "${config.chassisControlScript}" must be an absolute path`,
    );
  }
  const auths = 'md5';
  return [
    '# Written by havoc lab/ipmi-sim.ts; ipmi_sim reads it with -c.',
    `name ${quoted(config.name ?? 'hvi-bmc', 'BMC name')}`,
    `set_working_mc ${BMC_IPMB}`,
    '  startlan 1',
    `    addr ${config.address} ${config.port}`,
    '    priv_limit admin',
    // IPMI 1.5 logins, if anyone tries, need MD5 with the password: never none or straight.
    `    allowed_auths_callback ${auths}`,
    `    allowed_auths_user ${auths}`,
    `    allowed_auths_operator ${auths}`,
    `    allowed_auths_admin ${auths}`,
    '    guid a123456789abcdefa123456789abcdef',
    '  endlan',
    `  chassis_control "${quoted(config.chassisControlScript, 'chassis control script path').slice(1, -1)} ${BMC_IPMB}"`,
    `  user 2 true ${quoted(config.admin.name, 'user name')} ${quoted(config.admin.password, 'password')} admin 10 ${auths}`,
    `  user 3 true ${quoted(config.operator.name, 'user name')} ${quoted(config.operator.password, 'password')} operator 10 ${auths}`,
    ...(config.diagInterruptModule
      ? [
          `  loadlib ${quoted(config.diagInterruptModule, 'diagnostic interrupt module path')} ${quoted(config.chassisControlScript, 'chassis control script path')}`,
        ]
      : []),
    '',
  ].join('\n');
}

/** The emulator commands: one enabled BMC at IPMB 0x20 (Get Device ID answers from these values). */
export function renderEmuCommands(): string {
  return [
    `mc_setbmc ${BMC_IPMB}`,
    `mc_add ${BMC_IPMB} 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02`,
    `mc_enable ${BMC_IPMB}`,
    '',
  ].join('\n');
}

function prefixOf(config: Pick<IpmiSimConfig, 'netns' | 'commandPrefix'>): string[] {
  if (config.netns) return ['ip', 'netns', 'exec', config.netns];
  return [...(config.commandPrefix ?? [])];
}

/**
 * Writes the configuration, starts ipmi_sim with its PID recorded in
 * stateDir/ipmi_sim.pid, and returns once the BMC is ready (see
 * IpmiSimConfig.readiness).
 */
export async function startIpmiSim(config: IpmiSimConfig, signal?: AbortSignal): Promise<IpmiSimHandle> {
  await mkdir(config.stateDir, { recursive: true });
  const configFile = join(config.stateDir, 'lan.conf');
  const emuFile = join(config.stateDir, 'emu.cmds');
  const logFile = join(config.stateDir, 'ipmi_sim.log');
  const pidFile = join(config.stateDir, 'ipmi_sim.pid');
  // lan.conf holds the passwords: readable by root only.
  await writeFile(configFile, renderLanConf(config), { mode: 0o600 });
  await writeFile(emuFile, renderEmuCommands());

  await ensurePortFree(config);
  const prefix = prefixOf(config);
  const argv = [...prefix, 'ipmi_sim', '-n', '-p', '-c', configFile, '-f', emuFile, '-s', config.stateDir];
  const log = await open(logFile, 'a', 0o600);
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log.fd, log.fd] });
  // Listen before any await: 'spawn' fires on a later tick and would be missed.
  const spawned = new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const spawnError = await spawned;
  await log.close();
  if (spawnError || child.pid === undefined) {
    throw new HavocError('missing-program', `cannot start ${argv[0]}: ${spawnError?.message ?? 'no PID'}`, {
      hint: 'install the Debian package openipmi (ipmi_sim) and iproute2 (ip), and run as root',
    });
  }
  child.unref();
  const handle: IpmiSimHandle = {
    pid: child.pid,
    address: config.address,
    port: config.port,
    stateDir: config.stateDir,
    configFile,
    logFile,
    pidFile,
  };
  await writeFile(pidFile, `${child.pid}\n`);
  config.onSpawn?.(child.pid);

  const timeoutMs = config.readyTimeoutMs ?? 10_000;
  const ready = deadlineSignal(timeoutMs, `ipmi_sim on ${config.address}:${config.port} to answer`, signal);
  const isReady = readinessProbe(config);
  try {
    await pollUntil(
      async (s) => {
        if (exited !== undefined) {
          const tail = (await readFile(logFile, 'utf8').catch(() => ''))
            .trim()
            .split('\n')
            .slice(-5)
            .join(' | ');
          throw new HavocError(
            'lab',
            `ipmi_sim for ${config.address}:${config.port} exited (code ${exited}): ${tail}`,
            {
              hint: `read ${logFile}; is the port already taken or the address not present${config.netns ? ` in namespace ${config.netns}` : ''}?`,
            },
          );
        }
        return (await isReady(s)) ? true : undefined;
      },
      ready,
      { initialMs: 20, maxMs: 200 },
    );
  } catch (err) {
    await stopIpmiSim(handle).catch(() => undefined);
    if (
      ready.aborted &&
      ready.reason instanceof TimeoutError &&
      !(err instanceof HavocError && (err.code === 'lab' || err.code === 'exec'))
    ) {
      throw new TimeoutError(
        `ipmi_sim on ${config.address}:${config.port} did not answer within ${timeoutMs} ms`,
        {
          hint: `read ${logFile}`,
        },
      );
    }
    throw err;
  }
  return handle;
}

/** The local addresses of the UDP sockets on config.port, seen by ss with the same prefix. */
async function udpSocketsOnPort(config: IpmiSimConfig): Promise<string[]> {
  const argv = [...prefixOf(config), 'ss', '-H', '-u', '-a', '-n', `sport = :${config.port}`];
  const out = await new Promise<string>((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 5000 }, (err, stdout) => {
      if (err) {
        reject(
          new HavocError('missing-program', `cannot run ${argv.join(' ')}: ${err.message}`, {
            hint: 'install the Debian package iproute2 and run as root',
          }),
        );
      } else resolve(stdout);
    });
  });
  return out
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      const local = line.trim().split(/\s+/)[3] ?? '';
      return local.slice(0, local.lastIndexOf(':'));
    });
}

/**
 * ipmi_sim binds with address reuse, so a second one on a taken port starts
 * "fine" and then shares the datagrams with the first: check with ss (in the
 * same namespace) before starting.
 */
async function ensurePortFree(config: IpmiSimConfig): Promise<void> {
  const taken = (await udpSocketsOnPort(config)).some(
    (host) => host === config.address || host === '0.0.0.0' || host === '*' || host === '[::]',
  );
  if (taken) {
    throw new HavocError('lab', `UDP port ${config.address}:${config.port} is already in use`, {
      hint: `stop what listens there (ss -uanp 'sport = :${config.port}') or choose another port`,
    });
  }
}

/**
 * One readiness check per call. A Get Device ID attempt gets a budget that
 * doubles from 100 ms: the first datagram is lost if it arrives before
 * ipmi_sim has bound its socket, and a short first budget retries it sooner
 * than the client's own 250 ms retransmission would; a busy machine still
 * gets up to 2 s per attempt later on.
 */
function readinessProbe(config: IpmiSimConfig): (signal: AbortSignal) => Promise<boolean> {
  const mode = config.readiness ?? (config.netns || config.commandPrefix ? 'bound' : 'device-id');
  if (mode === 'bound') {
    return async () => (await udpSocketsOnPort(config)).includes(config.address);
  }
  const client = new IpmiClient({
    host: config.address,
    port: config.port,
    user: config.admin.name,
    password: config.admin.password,
    privilege: 'administrator',
    // What ipmi_sim offers (see above); asking for it first saves a refused Open Session per attempt.
    cipherSuites: [3],
    label: `ipmi_sim ${config.name ?? 'hvi-bmc'}`,
  });
  const budgets = backoffIntervals({ initialMs: 100, maxMs: 2000 });
  return async (signal) => {
    const attempt = deadlineSignal(budgets.next().value ?? 2000, 'Get Device ID', signal);
    try {
      await client.deviceId(attempt);
      return true;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      // Wrong credentials will not get better by waiting: say so now.
      if (err instanceof AuthError) throw err;
      return false;
    }
  };
}

/** True when `pid` is still the ipmi_sim started with this handle's lan.conf (PIDs get reused). */
async function isOurs(handle: IpmiSimHandle): Promise<boolean> {
  const cmdline = await readFile(`/proc/${handle.pid}/cmdline`, 'utf8').catch(() => '');
  const args = cmdline.split('\0');
  return args.some((a) => a.endsWith('ipmi_sim')) && args.includes(handle.configFile);
}

/**
 * Stops the ipmi_sim of this handle by its PID: SIGTERM, then SIGKILL after
 * 2 s. A zombie has an empty cmdline, so it counts as stopped.
 */
export async function stopIpmiSim(handle: IpmiSimHandle, signal?: AbortSignal): Promise<void> {
  if (!(await isOurs(handle))) return;
  signalPid(handle.pid, 'SIGTERM');
  const deadline = performance.now() + 2000;
  while ((await isOurs(handle)) && performance.now() < deadline) await abortableSleep(20, signal);
  if (await isOurs(handle)) {
    signalPid(handle.pid, 'SIGKILL');
    while (await isOurs(handle)) await abortableSleep(20, signal);
  }
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Rebuilds the handle from stateDir (after the process that started ipmi_sim is gone), for `lab down`. */
export async function readIpmiSimHandle(stateDir: string): Promise<IpmiSimHandle | undefined> {
  const pidFile = join(stateDir, 'ipmi_sim.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  const pid = text ? Number.parseInt(text.trim(), 10) : Number.NaN;
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const conf = await readFile(join(stateDir, 'lan.conf'), 'utf8').catch(() => '');
  const addr = /^\s*addr\s+(\S+)\s+(\d+)/m.exec(conf);
  return {
    pid,
    address: addr?.[1] ?? '',
    port: addr ? Number(addr[2]) : 0,
    stateDir,
    configFile: join(stateDir, 'lan.conf'),
    logFile: join(stateDir, 'ipmi_sim.log'),
    pidFile,
  };
}
