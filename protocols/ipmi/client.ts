import { backoffIntervals, deadlineSignal } from '../../core/deadline.js';
import { HavocError, TimeoutError } from '../../core/errors.js';
import type { ActiveSession, Progress, SessionParams } from './active-session.js';
import { CIPHER_SUITES, type CipherSuiteId, isCipherSuiteId } from './cipher-suite.js';
import { CipherSuiteMemory } from './cipher-suite-memory.js';
import {
  type ChassisActionName,
  type ChassisStatus,
  type CommandSpec,
  chassisControl,
  type DeviceId,
  getChassisStatus,
  getDeviceId,
  Privilege,
  type PrivilegeName,
  parseChassisStatus,
  parseDeviceId,
} from './commands.js';
import { getAuthCapabilities, openSession } from './handshake.js';
import { rmcpPlusStatusName } from './status-codes.js';
import { UdpChannel } from './udp-channel.js';

export interface IpmiClientOptions {
  host: string;
  /** UDP port of the BMC; 623 by default. */
  port?: number;
  user: string;
  password: string;
  /** BMC key (Kg) as hex, only when the BMC has one configured. */
  kgHex?: string;
  /** Session privilege; operator (enough for Chassis Control) by default. */
  privilege?: PrivilegeName;
  /** Suites to try, in order; [17, 3] by default. The suite that last worked for this BMC goes first. */
  cipherSuites?: readonly number[];
  /** Permit cipher suite 0 (no authentication: many BMCs then accept ANY password). */
  allowCipherSuite0?: boolean;
  /** Permit IPMI 1.5 (not implemented: havoc then says so instead of refusing on policy). */
  allowIpmi15?: boolean;
  /** Deadline of each phase (session setup, each command) in ms; 3000 by default. */
  timeoutMs?: number;
  /** How errors name the BMC, e.g. "BMC of host2"; the address, port and user are always added. */
  label?: string;
}

/** What `withSession` hands to its callback: commands on one open session. */
export interface IpmiSession {
  readonly cipherSuite: number;
  chassisStatus(signal?: AbortSignal): Promise<ChassisStatus>;
  chassisControl(action: ChassisActionName, signal?: AbortSignal): Promise<void>;
  deviceId(signal?: AbortSignal): Promise<DeviceId>;
  /** Any other command; throws IpmiCompletionError on a non-zero completion code. */
  request(spec: CommandSpec, signal?: AbortSignal): Promise<Buffer>;
}

const DEFAULT_TIMEOUT_MS = 3000;
const CLOSE_WAIT_MS = 500;

/**
 * IPMI 2.0 (RMCP+) client for one BMC. Every operation opens a session,
 * does its work and closes it, also when the work fails or is aborted.
 */
export class IpmiClient {
  readonly #host: string;
  readonly #port: number;
  readonly #suites: readonly CipherSuiteId[];
  readonly #timeoutMs: number;
  readonly #memory: CipherSuiteMemory;
  readonly #params: SessionParams;

  constructor(options: IpmiClientOptions, memory: CipherSuiteMemory = new CipherSuiteMemory()) {
    this.#host = options.host;
    this.#port = options.port ?? 623;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#memory = memory;
    const target = `${options.label ? `${options.label} ` : 'BMC '}${this.#host}:${this.#port} (user ${options.user})`;
    this.#suites = checkSuites(options.cipherSuites ?? [17, 3], options.allowCipherSuite0 === true, target);
    const privilege = options.privilege ?? 'operator';
    if (!(privilege in Privilege)) {
      throw new HavocError('config', `unknown IPMI privilege "${privilege}" for ${target}`, {
        target,
        hint: `use one of ${Object.keys(Privilege).join(', ')}`,
      });
    }
    this.#params = {
      target,
      user: options.user,
      password: options.password,
      kg: options.kgHex ? parseKg(options.kgHex, target) : undefined,
      privilege: Privilege[privilege],
      allowIpmi15: options.allowIpmi15 === true,
    };
  }

  get target(): string {
    return this.#params.target;
  }

  /**
   * Opens a session (deadline: timeoutMs, within `signal`), runs `fn`, and
   * closes the session whatever happens. Each command inside gets its own
   * timeoutMs deadline, also within `signal`.
   */
  async withSession<T>(signal: AbortSignal, fn: (session: IpmiSession) => Promise<T>): Promise<T> {
    const progress: Progress = { step: 'opening a UDP socket' };
    const setup = deadlineSignal(this.#timeoutMs, `IPMI session setup with ${this.target}`, signal);
    let channel: UdpChannel | undefined;
    let session: ActiveSession | undefined;
    try {
      try {
        channel = await UdpChannel.open(this.#host, this.#port, setup);
        session = await this.#establish(channel, setup, progress);
        await session.setPrivilege(this.#waits(), setup);
      } catch (err) {
        throw this.#explain(err, setup, signal, progress, channel);
      }
      // Errors of the caller's work pass through as they are (commands explain their own timeouts).
      return await fn(this.#wrap(session, channel, signal));
    } finally {
      if (session) await session.close(CLOSE_WAIT_MS);
      channel?.close();
    }
  }

  chassisStatus(signal: AbortSignal): Promise<ChassisStatus> {
    return this.withSession(signal, (s) => s.chassisStatus());
  }

  chassisControl(action: ChassisActionName, signal: AbortSignal): Promise<void> {
    return this.withSession(signal, (s) => s.chassisControl(action));
  }

  deviceId(signal: AbortSignal): Promise<DeviceId> {
    return this.withSession(signal, (s) => s.deviceId());
  }

  async #establish(channel: UdpChannel, signal: AbortSignal, progress: Progress): Promise<ActiveSession> {
    const waits = this.#waits();
    await getAuthCapabilities(channel, this.#params, waits, signal, progress);
    const refusals: string[] = [];
    for (const id of this.#order()) {
      const outcome = await openSession(channel, this.#params, CIPHER_SUITES[id], waits, signal, progress);
      if (outcome.kind === 'active') {
        this.#memory.remember(this.#host, this.#port, id);
        return outcome.session;
      }
      refusals.push(`suite ${id}: ${rmcpPlusStatusName(outcome.status)}`);
    }
    throw new HavocError(
      'ipmi-cipher',
      `${this.target} accepted none of the cipher suites offered (${refusals.join('; ')})`,
      {
        target: this.target,
        hint: 'enable cipher suite 17 or 3 on the BMC (ipmitool lan set <channel> cipher_privs), or list the suites it offers in cipherSuites',
      },
    );
  }

  #order(): CipherSuiteId[] {
    const remembered = this.#memory.get(this.#host, this.#port);
    if (remembered === undefined || !this.#suites.includes(remembered)) return [...this.#suites];
    return [remembered, ...this.#suites.filter((s) => s !== remembered)];
  }

  /** One attempt listens 250 ms, then 500, then 1000 ms per retransmission. */
  #waits(initialMs = 250): Iterator<number> {
    return backoffIntervals({ initialMs, maxMs: 1000 });
  }

  #wrap(session: ActiveSession, channel: UdpChannel, outer: AbortSignal): IpmiSession {
    const run = async (
      spec: CommandSpec,
      signal: AbortSignal | undefined,
      firstWaitMs?: number,
    ): Promise<Buffer> => {
      const parent = signal ? AbortSignal.any([outer, signal]) : outer;
      const deadline = deadlineSignal(this.#timeoutMs, `${spec.name} on ${this.target}`, parent);
      const progress: Progress = { step: spec.name };
      try {
        return await session.request(spec, this.#waits(firstWaitMs), deadline);
      } catch (err) {
        throw this.#explain(err, deadline, parent, progress, channel);
      }
    };
    return {
      cipherSuite: session.cipherSuite,
      request: (spec, signal) => run(spec, signal),
      chassisStatus: async (signal) => parseChassisStatus(await run(getChassisStatus(), signal)),
      // A Chassis Control is not always idempotent (cycle, reset), so its first
      // retransmission waits a full second, as ipmitool's does.
      chassisControl: async (action, signal) => {
        await run(chassisControl(action), signal, 1000);
      },
      deviceId: async (signal) => parseDeviceId(await run(getDeviceId(), signal)),
    };
  }

  /** Turns an abort by our own deadline into a TimeoutError that names the BMC, the step and the next move. */
  #explain(
    err: unknown,
    deadline: AbortSignal,
    parent: AbortSignal,
    progress: Progress,
    channel?: UdpChannel,
  ): unknown {
    if (err instanceof HavocError && !(err instanceof TimeoutError)) return err;
    if (!deadline.aborted || parent.aborted) return err;
    const hint = channel?.portUnreachable
      ? `nothing listens on UDP port ${this.#port} of ${this.#host} (ICMP port unreachable): check the address, the port and that IPMI over LAN is enabled`
      : `check that the BMC is powered and reachable on UDP port ${this.#port} from here (routing, firewall, VLAN) and that IPMI over LAN is enabled`;
    return new TimeoutError(
      `no answer from ${this.target} to ${progress.step} within ${this.#timeoutMs} ms`,
      {
        target: this.target,
        hint,
      },
    );
  }
}

function checkSuites(requested: readonly number[], allow0: boolean, target: string): CipherSuiteId[] {
  if (requested.length === 0) {
    throw new HavocError('config', `no cipher suites configured for ${target}`, {
      target,
      hint: 'use [17, 3]',
    });
  }
  const out: CipherSuiteId[] = [];
  for (const n of requested) {
    if (!isCipherSuiteId(n)) {
      throw new HavocError('config', `cipher suite ${n} for ${target} is not supported`, {
        target,
        hint: 'havoc speaks cipher suites 17 (HMAC-SHA256, AES-128) and 3 (HMAC-SHA1, AES-128)',
      });
    }
    if (n === 0 && !allow0) {
      throw new HavocError(
        'insecure-cipher',
        `cipher suite 0 for ${target} is refused: it has no authentication`,
        {
          target,
          hint: 'many BMCs then accept any password; use 17 or 3, or set allowCipherSuite0 only to demonstrate the hole',
        },
      );
    }
    out.push(n);
  }
  return out;
}

function parseKg(hex: string, target: string): Buffer {
  if (!/^([0-9a-fA-F]{2}){1,20}$/.test(hex)) {
    throw new HavocError('config', `BMC key (Kg) for ${target} is not 1-20 bytes of hex`, {
      target,
      hint: 'give the key as hex digits, e.g. 0123456789abcdef...',
    });
  }
  const key = Buffer.alloc(20);
  Buffer.from(hex, 'hex').copy(key);
  return key;
}
