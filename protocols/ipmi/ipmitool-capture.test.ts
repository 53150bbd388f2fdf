import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CIPHER_SUITES } from './cipher-suite.js';
import { parseChannelAuthCapabilities, parseChassisStatus } from './commands.js';
import { decodeRequest, decodeResponse, encodeRequest } from './message.js';
import {
  decodeOpenSessionRequest,
  decodeOpenSessionResponse,
  encodeOpenSessionRequest,
} from './open-session.js';
import {
  decodeIpmi15,
  decodeRmcpPlus,
  encodeIpmi15,
  encodeRmcpPlus,
  PacketError,
  PayloadType,
} from './packet.js';
import {
  decodeRakp1,
  decodeRakp2,
  decodeRakp4,
  deriveSessionKeys,
  encodeRakp1,
  kuidFromPassword,
  type RakpIdentity,
  rakp2AuthCode,
  rakp3AuthCode,
  rakp4Icv,
} from './rakp.js';

/**
 * Real sessions between ipmitool 1.8.19 and ipmi_sim (openipmi 2.0.33),
 * captured by a byte-logging UDP relay on 127.0.0.1 (see the "source" field
 * of each fixture). Random numbers and keys are the ones those two programs
 * chose, so every HMAC checked here was computed by ipmi_sim or ipmitool.
 */
interface Capture {
  source: string;
  user: string;
  password: string;
  datagrams: { dir: 'console->bmc' | 'bmc->console'; hex: string }[];
}

function load(name: string): Buffer[] {
  const capture = JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Capture;
  return capture.datagrams.map((d) => Buffer.from(d.hex, 'hex'));
}

describe('ipmitool <-> ipmi_sim capture, cipher suite 3 (captured from ipmitool 1.8.19 and ipmi_sim 2.0.33)', () => {
  const d = load('ipmitool-ipmi_sim-suite3.json');
  const suite = CIPHER_SUITES[3];
  const password = 'adm1n-secret';
  const kuid = kuidFromPassword(password);

  it('encodes Get Channel Authentication Capabilities byte for byte as ipmitool does', () => {
    expect(
      encodeIpmi15(encodeRequest({ netFn: 0x06, cmd: 0x38, rqSeq: 0, data: Uint8Array.of(0x8e, 0x03) })),
    ).toEqual(d[0]);
  });

  it('decodes the BMC capabilities: IPMI 2.0 supported', () => {
    const res = decodeResponse(decodeIpmi15(d[1]!).message);
    expect(res.completionCode).toBe(0);
    const caps = parseChannelAuthCapabilities(res.data);
    expect(caps.ipmi20).toBe(true);
    expect(caps.channel).toBe(1);
  });

  it('re-encodes the Open Session Request and decodes the response', () => {
    const req = decodeOpenSessionRequest(decodeRmcpPlus(d[2]!).payload);
    expect(req).toMatchObject({ tag: 0, maxPrivilege: 3, auth: 1, integrity: 1, confidentiality: 1 });
    const again = encodeRmcpPlus(
      PayloadType.openSessionRequest,
      0,
      0,
      encodeOpenSessionRequest({ ...req, suite }),
    );
    expect(again).toEqual(d[2]);
    const res = decodeOpenSessionResponse(decodeRmcpPlus(d[3]!).payload);
    expect(res).toMatchObject({
      status: 0,
      consoleSessionId: req.consoleSessionId,
      auth: 1,
      integrity: 1,
      confidentiality: 1,
    });
    expect(res.bmcSessionId).not.toBe(0);
  });

  it("verifies ipmi_sim's RAKP2 code, reproduces ipmitool's RAKP3 code and ipmi_sim's RAKP4 ICV", () => {
    const rakp1 = decodeRakp1(decodeRmcpPlus(d[4]!).payload);
    const open = decodeOpenSessionResponse(decodeRmcpPlus(d[3]!).payload);
    const id: RakpIdentity = {
      consoleSessionId: open.consoleSessionId,
      bmcSessionId: rakp1.bmcSessionId,
      consoleRandom: rakp1.consoleRandom,
      role: rakp1.role,
      user: rakp1.user,
    };
    expect(encodeRmcpPlus(PayloadType.rakp1, 0, 0, encodeRakp1(rakp1.tag, id))).toEqual(d[4]);
    const rakp2 = decodeRakp2(decodeRmcpPlus(d[5]!).payload);
    expect(rakp2.status).toBe(0);
    expect(rakp2AuthCode(suite, kuid, id, rakp2.bmcRandom, rakp2.bmcGuid)).toEqual(rakp2.keyExchangeAuthCode);
    // A wrong password gives a different code: this is how havoc detects it.
    expect(rakp2AuthCode(suite, kuidFromPassword('wrong'), id, rakp2.bmcRandom, rakp2.bmcGuid)).not.toEqual(
      rakp2.keyExchangeAuthCode,
    );
    const rakp3 = decodeRmcpPlus(d[6]!).payload;
    expect(rakp3.subarray(8)).toEqual(rakp3AuthCode(suite, kuid, id, rakp2.bmcRandom));
    const keys = deriveSessionKeys(suite, kuid, id, rakp2.bmcRandom);
    const rakp4 = decodeRakp4(decodeRmcpPlus(d[7]!).payload);
    expect(rakp4.integrityCheckValue).toEqual(rakp4Icv(suite, keys.sik, id, rakp2.bmcGuid));
  });

  it('checks integrity, decrypts every session packet and re-encrypts them byte for byte', () => {
    const open = decodeOpenSessionResponse(decodeRmcpPlus(d[3]!).payload);
    const rakp1 = decodeRakp1(decodeRmcpPlus(d[4]!).payload);
    const rakp2 = decodeRakp2(decodeRmcpPlus(d[5]!).payload);
    const id: RakpIdentity = { ...rakp1, consoleSessionId: open.consoleSessionId };
    const keys = deriveSessionKeys(suite, kuid, id, rakp2.bmcRandom);
    const crypto = { suite, k1: keys.k1, k2: keys.k2 };
    const commands: string[] = [];
    const codes: string[] = [];
    for (const [i, packet] of d.slice(8).entries()) {
      const decoded = decodeRmcpPlus(packet, crypto);
      expect(decoded).toMatchObject({ payloadType: PayloadType.ipmi, encrypted: true, authenticated: true });
      const fromConsole = i % 2 === 0;
      expect(decoded.sessionId).toBe(fromConsole ? open.bmcSessionId : open.consoleSessionId);
      const iv = packet.subarray(16, 32);
      expect(
        encodeRmcpPlus(PayloadType.ipmi, decoded.sessionId, decoded.sequence, decoded.payload, crypto, iv),
      ).toEqual(packet);
      if (fromConsole) {
        const req = decodeRequest(decoded.payload);
        commands.push(`${req.netFn.toString(16)}:${req.cmd.toString(16)}`);
      } else {
        const res = decodeResponse(decoded.payload);
        codes.push(`${res.cmd.toString(16)}=${res.completionCode.toString(16)}`);
      }
    }
    // Set Session Privilege, ipmitool's PICMG/HPM.x probes (NetFn 0x2c, refused
    // with 0xd4), Get Device ID, Get Chassis Status, Close Session.
    expect(commands).toEqual(['6:3b', '2c:3e', '6:1', '2c:0', '2c:0', '0:1', '6:3c']);
    expect(codes).toEqual(['3b=0', '3e=d4', '1=0', '0=d4', '0=d4', '1=0', '3c=0']);
    const statusIndex = commands.indexOf('0:1');
    const status = decodeResponse(decodeRmcpPlus(d[8 + statusIndex * 2 + 1]!, crypto).payload);
    expect(parseChassisStatus(status.data).powerOn).toBe(true);
  });

  it('rejects a session packet whose AuthCode was tampered with', () => {
    const open = decodeOpenSessionResponse(decodeRmcpPlus(d[3]!).payload);
    const rakp1 = decodeRakp1(decodeRmcpPlus(d[4]!).payload);
    const rakp2 = decodeRakp2(decodeRmcpPlus(d[5]!).payload);
    const keys = deriveSessionKeys(
      suite,
      kuid,
      { ...rakp1, consoleSessionId: open.consoleSessionId },
      rakp2.bmcRandom,
    );
    const tampered = Buffer.from(d[9]!);
    tampered[20] = tampered[20]! ^ 0x01;
    expect(() => decodeRmcpPlus(tampered, { suite, k1: keys.k1, k2: keys.k2 })).toThrow(PacketError);
    expect(() => decodeRmcpPlus(d[9]!, { suite, k1: keys.k1, k2: keys.k2 })).not.toThrow();
  });
});

describe('ipmitool <-> ipmi_sim capture, cipher suite 0 with a WRONG password (captured from ipmitool 1.8.19 and ipmi_sim 2.0.33)', () => {
  const d = load('ipmitool-ipmi_sim-suite0.json');

  it('shows the hole: RAKP2 carries no key exchange code, so nothing proves the password', () => {
    const rakp2 = decodeRakp2(decodeRmcpPlus(d[5]!).payload);
    expect(rakp2.status).toBe(0);
    expect(rakp2.keyExchangeAuthCode.length).toBe(0);
  });

  it('decodes the unprotected Chassis Control power down that ipmi_sim accepted', () => {
    const crypto = { suite: CIPHER_SUITES[0], k1: Buffer.alloc(0), k2: Buffer.alloc(0) };
    const control = d
      .slice(8)
      .map((p) => decodeRmcpPlus(p, crypto))
      .filter((p) => p.sessionId !== 0xa0a2a3a4)
      .map((p) => decodeRequest(p.payload))
      .find((r) => r.netFn === 0x00 && r.cmd === 0x02);
    expect(control?.data).toEqual(Buffer.from([0x00]));
    const responses = d.slice(8).filter((_, i) => i % 2 === 1);
    const answer = responses
      .map((p) => decodeResponse(decodeRmcpPlus(p, crypto).payload))
      .find((r) => r.cmd === 0x02);
    expect(answer?.completionCode).toBe(0);
  });
});
