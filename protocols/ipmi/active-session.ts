import { checkBeforeCommand } from '../../core/deadline.js';
import { AuthError } from '../../core/errors.js';
import { type CommandSpec, closeSession, privilegeName, setSessionPrivilegeLevel } from './commands.js';
import { IpmiCompletionError } from './errors.js';
import { decodeResponse, encodeRequest, type IpmiResponse } from './message.js';
import { decodeRmcpPlus, encodeRmcpPlus, isRmcpPlus, PayloadType, type SessionCrypto } from './packet.js';
import type { UdpChannel } from './udp-channel.js';

/**
 * An authenticated RMCP+ session after RAKP: sets its privilege level, sends
 * commands with retransmission, and closes itself.
 */

export interface SessionParams {
  /** "BMC 10.0.0.5:623 (user admin)": goes into every error, never the password. */
  target: string;
  user: string;
  password: string;
  /** BMC key (Kg) when the BMC has one configured; otherwise the password keys the session. */
  kg: Buffer | undefined;
  privilege: number;
  allowIpmi15: boolean;
}

/** What the handshake is doing right now, for the timeout message. */
export interface Progress {
  step: string;
}

/** Waits between retransmissions: each wait is how long one attempt listens for its answer. */
export type Waits = Iterator<number>;

export function nextWait(waits: Waits): number {
  const r = waits.next();
  return r.done ? 1000 : r.value;
}

/** An authenticated RMCP+ session: numbered, integrity-checked, encrypted per its cipher suite. */
export class ActiveSession {
  readonly #channel: UdpChannel;
  readonly #params: SessionParams;
  readonly #crypto: SessionCrypto;
  readonly consoleSessionId: number;
  readonly bmcSessionId: number;
  #outboundSequence = 0;
  #rqSeq = 0;
  readonly #seenInbound = new Set<number>();
  #closed = false;

  constructor(
    channel: UdpChannel,
    params: SessionParams,
    crypto: SessionCrypto,
    consoleSessionId: number,
    bmcSessionId: number,
  ) {
    this.#channel = channel;
    this.#params = params;
    this.#crypto = crypto;
    this.consoleSessionId = consoleSessionId;
    this.bmcSessionId = bmcSessionId;
  }

  get cipherSuite(): number {
    return this.#crypto.suite.id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Session sequence numbers start at 1, increase per packet (retransmissions too) and skip 0 on wrap. */
  #nextSequence(): number {
    this.#outboundSequence = (this.#outboundSequence + 1) >>> 0;
    if (this.#outboundSequence === 0) this.#outboundSequence = 1;
    return this.#outboundSequence;
  }

  /**
   * Sends one command and returns its response, retransmitting (new session
   * sequence, same rqSeq, so a BMC can spot the duplicate) until the signal
   * aborts. A non-zero completion code is returned, not thrown. With
   * `checked`, every transmission first lets a deadline or an abort that is
   * due take effect (core/deadline.ts checkBeforeCommand): a command the
   * caller gave up on is never sent, not even as a late retransmission.
   */
  async exchange(
    spec: CommandSpec,
    waits: Waits,
    signal: AbortSignal,
    checked = false,
  ): Promise<IpmiResponse> {
    this.#rqSeq = (this.#rqSeq + 1) & 0x3f;
    const rqSeq = this.#rqSeq;
    const message = encodeRequest({ netFn: spec.netFn, cmd: spec.cmd, rqSeq, data: spec.data });
    const accept = (buf: Buffer): IpmiResponse | undefined => {
      if (!isRmcpPlus(buf)) return undefined;
      const packet = decodeRmcpPlus(buf, this.#crypto);
      if (packet.payloadType !== PayloadType.ipmi || packet.sessionId !== this.consoleSessionId)
        return undefined;
      // Replays of a packet already accepted in this session are dropped.
      if (this.#seenInbound.has(packet.sequence)) return undefined;
      const res = decodeResponse(packet.payload);
      if (res.rqSeq !== rqSeq || res.cmd !== spec.cmd || res.netFn !== spec.netFn + 1) return undefined;
      this.#rememberInbound(packet.sequence);
      return res;
    };
    for (;;) {
      if (checked) await checkBeforeCommand(signal, spec.acts === true);
      const packet = encodeRmcpPlus(
        PayloadType.ipmi,
        this.bmcSessionId,
        this.#nextSequence(),
        message,
        this.#crypto,
      );
      this.#channel.send(packet);
      const res = await this.#channel.receive(accept, nextWait(waits), signal);
      if (res) return res;
    }
  }

  #rememberInbound(sequence: number): void {
    this.#seenInbound.add(sequence);
    if (this.#seenInbound.size > 64) {
      const oldest = this.#seenInbound.values().next().value;
      if (oldest !== undefined) this.#seenInbound.delete(oldest);
    }
  }

  /** A command of the caller (checked before every transmission); a non-zero completion code becomes an IpmiCompletionError. */
  async request(spec: CommandSpec, waits: Waits, signal: AbortSignal): Promise<Buffer> {
    const res = await this.exchange(spec, waits, signal, true);
    if (res.completionCode !== 0)
      throw new IpmiCompletionError(this.#params.target, spec.name, res.completionCode);
    return res.data;
  }

  async setPrivilege(waits: Waits, signal: AbortSignal): Promise<void> {
    const spec = setSessionPrivilegeLevel(this.#params.privilege);
    const res = await this.exchange(spec, waits, signal);
    if (res.completionCode === 0) return;
    // 0x80: level not available for this user; 0x81: exceeds the user's or channel's limit.
    if (res.completionCode === 0x80 || res.completionCode === 0x81) {
      throw new AuthError(
        `${this.#params.target} refused privilege ${privilegeName(this.#params.privilege)} for this session (0x${res.completionCode.toString(16)})`,
        {
          target: this.#params.target,
          hint: "lower the requested privilege or raise the user's privilege limit on the BMC",
        },
      );
    }
    throw new IpmiCompletionError(this.#params.target, spec.name, res.completionCode);
  }

  /**
   * Sends Close Session and waits briefly for the answer. It runs on its own
   * short deadline, not the caller's, so it still goes out after the caller
   * gave up. Returns whether the BMC confirmed.
   */
  async close(waitMs: number): Promise<boolean> {
    if (this.#closed) return true;
    this.#closed = true;
    const signal = AbortSignal.timeout(waitMs);
    const waits = [Math.ceil(waitMs / 2), Math.ceil(waitMs / 2)][Symbol.iterator]();
    try {
      const res = await this.exchange(closeSession(this.bmcSessionId), waits, signal);
      return res.completionCode === 0;
    } catch {
      return false;
    }
  }
}
