import { randomBytes, randomInt } from 'node:crypto';
import { AuthError, HavocError } from '../../core/errors.js';
import { ActiveSession, nextWait, type Progress, type SessionParams, type Waits } from './active-session.js';
import type { CipherSuite } from './cipher-suite.js';
import {
  type ChannelAuthCapabilities,
  getChannelAuthCapabilities,
  parseChannelAuthCapabilities,
  privilegeName,
} from './commands.js';
import { IpmiCompletionError, IpmiProtocolError } from './errors.js';
import { decodeResponse, encodeRequest, type IpmiResponse } from './message.js';
import {
  decodeOpenSessionResponse,
  encodeOpenSessionRequest,
  type OpenSessionResponse,
} from './open-session.js';
import {
  decodeIpmi15,
  decodeRmcpPlus,
  encodeIpmi15,
  encodeRmcpPlus,
  isRmcpPlus,
  PayloadType,
} from './packet.js';
import {
  decodeRakp2,
  decodeRakp4,
  deriveSessionKeys,
  encodeRakp1,
  encodeRakp3,
  kuidFromPassword,
  NAME_ONLY_LOOKUP,
  type Rakp2,
  type Rakp4,
  type RakpIdentity,
  rakp2AuthCode,
  rakp3AuthCode,
  rakp4Icv,
  sameCode,
} from './rakp.js';
import { isCipherRefusal, RmcpPlusStatus, rmcpPlusStatusName } from './status-codes.js';
import type { UdpChannel } from './udp-channel.js';

/**
 * RMCP+ session establishment: Get Channel Authentication Capabilities,
 * then Open Session and RAKP 1-4 for one cipher suite. The result is an
 * ActiveSession (active-session.ts), which sets its privilege level itself.
 */

export async function getAuthCapabilities(
  channel: UdpChannel,
  params: SessionParams,
  waits: Waits,
  signal: AbortSignal,
  progress: Progress,
): Promise<ChannelAuthCapabilities> {
  const spec = getChannelAuthCapabilities(params.privilege);
  progress.step = spec.name;
  const packet = encodeIpmi15(encodeRequest({ ...spec, rqSeq: 0 }));
  const accept = (buf: Buffer): IpmiResponse | undefined => {
    if (isRmcpPlus(buf)) return undefined;
    const res = decodeResponse(decodeIpmi15(buf).message);
    return res.cmd === spec.cmd && res.netFn === spec.netFn + 1 ? res : undefined;
  };
  for (;;) {
    channel.send(packet);
    const res = await channel.receive(accept, nextWait(waits), signal);
    if (!res) continue;
    if (res.completionCode !== 0) throw new IpmiCompletionError(params.target, spec.name, res.completionCode);
    const caps = parseChannelAuthCapabilities(res.data);
    if (!caps.ipmi20) {
      throw new HavocError(
        params.allowIpmi15 ? 'ipmi15-unsupported' : 'ipmi15-refused',
        `${params.target} offers only IPMI 1.5 (no RMCP+)`,
        {
          target: params.target,
          hint: params.allowIpmi15
            ? 'havoc does not implement IPMI 1.5 sessions; enable IPMI 2.0/RMCP+ on the BMC'
            : 'IPMI 1.5 authenticates with MD5 at best and havoc refuses it; enable IPMI 2.0/RMCP+ on the BMC',
        },
      );
    }
    return caps;
  }
}

export type OpenOutcome = { kind: 'active'; session: ActiveSession } | { kind: 'refused'; status: number };

/**
 * Opens a session with one cipher suite. A lost Open Session, RAKP1 or
 * RAKP3 restarts from Open Session: BMCs do not accept a RAKP message twice,
 * so resending one mid-handshake cannot help.
 */
export async function openSession(
  channel: UdpChannel,
  params: SessionParams,
  suite: CipherSuite,
  waits: Waits,
  signal: AbortSignal,
  progress: Progress,
): Promise<OpenOutcome> {
  const kuid = kuidFromPassword(params.password);
  const user = Buffer.from(params.user, 'utf8');
  if (user.length > 16) {
    throw new HavocError('config', `user name for ${params.target} is ${user.length} bytes; IPMI allows 16`, {
      target: params.target,
      hint: 'use the BMC account name as configured on the BMC',
    });
  }
  let tag = 0;
  for (;;) {
    const wait = nextWait(waits);
    tag = (tag + 1) & 0xff;
    const consoleSessionId = randomInt(1, 0xffffffff);

    progress.step = `Open Session (cipher suite ${suite.id})`;
    channel.send(
      encodeRmcpPlus(
        PayloadType.openSessionRequest,
        0,
        0,
        encodeOpenSessionRequest({ tag, maxPrivilege: 0, consoleSessionId, suite }),
      ),
    );
    const opened = await channel.receive(
      (buf) =>
        matchSetup(buf, PayloadType.openSessionResponse, tag, consoleSessionId, decodeOpenSessionResponse),
      wait,
      signal,
    );
    if (!opened) continue;
    if (opened.status !== 0) {
      if (isCipherRefusal(opened.status)) return { kind: 'refused', status: opened.status };
      throw sessionRefused(params, 'Open Session', opened.status);
    }
    checkAlgorithms(params, suite, opened);

    const id: RakpIdentity = {
      consoleSessionId,
      bmcSessionId: opened.bmcSessionId,
      consoleRandom: randomBytes(16),
      role: params.privilege | NAME_ONLY_LOOKUP,
      user,
    };
    progress.step = 'RAKP 1';
    channel.send(encodeRmcpPlus(PayloadType.rakp1, 0, 0, encodeRakp1(tag, id)));
    const rakp2 = await channel.receive(
      (buf) => matchSetup<Rakp2>(buf, PayloadType.rakp2, tag, consoleSessionId, decodeRakp2),
      wait,
      signal,
    );
    if (!rakp2) continue;
    if (rakp2.status !== 0) throw rakpRefused(params, 'RAKP 2', rakp2.status);
    const expected = rakp2AuthCode(suite, kuid, id, rakp2.bmcRandom, rakp2.bmcGuid);
    if (!sameCode(expected, rakp2.keyExchangeAuthCode)) {
      // Tell the BMC to drop the half-open session, as ipmitool does; no answer is expected.
      channel.send(
        encodeRmcpPlus(
          PayloadType.rakp3,
          0,
          0,
          encodeRakp3(tag, RmcpPlusStatus.invalidIntegrityCheckValue, id.bmcSessionId, Buffer.alloc(0)),
        ),
      );
      throw new AuthError(
        `authentication failed for ${params.target}: wrong password (the BMC's RAKP 2 key exchange code does not match)`,
        { target: params.target, hint: 'check the password (passwordFile or env) configured for this BMC' },
      );
    }
    const keys = deriveSessionKeys(suite, params.kg ?? kuid, id, rakp2.bmcRandom);

    progress.step = 'RAKP 3';
    channel.send(
      encodeRmcpPlus(
        PayloadType.rakp3,
        0,
        0,
        encodeRakp3(tag, 0, id.bmcSessionId, rakp3AuthCode(suite, kuid, id, rakp2.bmcRandom)),
      ),
    );
    const rakp4 = await channel.receive(
      (buf) => matchSetup<Rakp4>(buf, PayloadType.rakp4, tag, consoleSessionId, decodeRakp4),
      wait,
      signal,
    );
    if (!rakp4) continue;
    if (rakp4.status !== 0) throw rakpRefused(params, 'RAKP 4', rakp4.status);
    if (!sameCode(rakp4Icv(suite, keys.sik, id, rakp2.bmcGuid), rakp4.integrityCheckValue)) {
      throw new AuthError(
        `authentication failed for ${params.target}: RAKP 4 integrity check value does not match`,
        {
          target: params.target,
          hint: params.kg
            ? 'the BMC key (Kg) configured in havoc differs from the BMC: check it'
            : 'the BMC has a BMC key (Kg) configured: give havoc the same key',
        },
      );
    }
    return {
      kind: 'active',
      session: new ActiveSession(
        channel,
        params,
        { suite, k1: keys.k1, k2: keys.k2 },
        consoleSessionId,
        id.bmcSessionId,
      ),
    };
  }
}

function matchSetup<T extends { tag: number; consoleSessionId: number; status: number }>(
  buf: Buffer,
  payloadType: number,
  tag: number,
  consoleSessionId: number,
  decode: (payload: Buffer) => T,
): T | undefined {
  if (!isRmcpPlus(buf)) return undefined;
  const packet = decodeRmcpPlus(buf);
  if (packet.payloadType !== payloadType) return undefined;
  const msg = decode(packet.payload);
  if (msg.tag !== tag) return undefined;
  // Error answers may carry a zero console session ID.
  if (msg.consoleSessionId !== consoleSessionId && msg.status === 0) return undefined;
  return msg;
}

function checkAlgorithms(params: SessionParams, suite: CipherSuite, res: OpenSessionResponse): void {
  if (
    res.auth === suite.auth &&
    res.integrity === suite.integrity &&
    res.confidentiality === suite.confidentiality
  ) {
    return;
  }
  throw new IpmiProtocolError(
    `${params.target} answered Open Session for cipher suite ${suite.id} with other algorithms ` +
      `(auth ${res.auth}, integrity ${res.integrity}, confidentiality ${res.confidentiality})`,
    {
      target: params.target,
      hint: 'havoc refuses a downgrade; configure the BMC to offer cipher suite 17 or 3',
    },
  );
}

function sessionRefused(params: SessionParams, step: string, status: number): HavocError {
  const busy =
    status === RmcpPlusStatus.insufficientResources || status === RmcpPlusStatus.insufficientResourcesForRole;
  return new HavocError('ipmi-session', `${params.target} refused ${step}: ${rmcpPlusStatusName(status)}`, {
    target: params.target,
    hint: busy
      ? 'all session slots of the BMC are in use: close stale sessions (ipmitool session info all) or wait for them to time out (about 60 s)'
      : 'check the BMC LAN channel configuration (ipmitool lan print)',
  });
}

function rakpRefused(params: SessionParams, step: string, status: number): HavocError {
  const what = `authentication failed for ${params.target}: ${step} status ${rmcpPlusStatusName(status)}`;
  switch (status) {
    case RmcpPlusStatus.unauthorizedName:
    case RmcpPlusStatus.invalidNameLength:
      return new AuthError(what, {
        target: params.target,
        hint: 'the BMC does not know this user name or it is disabled: check the user name for this BMC',
      });
    case RmcpPlusStatus.invalidRole:
    case RmcpPlusStatus.unauthorizedRole:
      return new AuthError(what, {
        target: params.target,
        hint: `the user may not log in at privilege ${privilegeName(params.privilege)}: lower the requested privilege or raise the user's limit on the BMC`,
      });
    case RmcpPlusStatus.invalidIntegrityCheckValue:
      return new AuthError(what, {
        target: params.target,
        hint: 'the BMC rejected the password proof: check the password configured for this BMC',
      });
    default:
      return sessionRefused(params, step, status);
  }
}
