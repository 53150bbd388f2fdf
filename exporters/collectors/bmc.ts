import type { Registry } from 'prom-client';
import { deadlineSignal, monotonicMs } from '../../core/deadline.js';
import { AuthError, HavocError } from '../../core/errors.js';
import type {
  BmcConfig,
  CimcBmcConfig,
  HostConfig,
  IpmiBmcConfig,
  RedfishBmcConfig,
} from '../../inventory/schema.js';
import { CimcClient, RACK_UNIT_DN } from '../../protocols/cimc/client.js';
import { CipherSuiteMemory, IpmiClient } from '../../protocols/ipmi/index.js';
import { RedfishClient, type RedfishPowerState } from '../../protocols/redfish/client.js';
import type { CollectContext, Collector } from '../collector.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';

/*
 * The bmc module: can the BMC of a host be reached, do the inventory's
 * credentials open a session, what power state does it report, and how long
 * did that take. Exactly what fencing will need when it matters, checked
 * every scrape. The target is the host's name.
 */

export const POWER_STATES = ['on', 'off', 'powering_on', 'powering_off', 'paused', 'unknown'] as const;
type PowerState = (typeof POWER_STATES)[number];

export const BMC_METRICS = {
  up: gaugeFamily(
    'havoc_bmc_up',
    '1 when the BMC answered (a refused login is an answer), 0 when it did not answer within the deadline.',
  ),
  authOk: gaugeFamily(
    'havoc_bmc_auth_ok',
    "1 when the inventory's credentials opened a session, 0 when the BMC refused them; absent when it did not answer.",
  ),
  powerState: gaugeFamily(
    'havoc_bmc_power_state',
    'Chassis power state the BMC reports, as a state set: 1 for the current state (IPMI knows on and off only).',
    ['state'],
  ),
  responseSeconds: gaugeFamily(
    'havoc_bmc_response_seconds',
    'Time from the first packet to the power state, session setup and logout included.',
  ),
  cipherSuite: gaugeFamily(
    'havoc_bmc_ipmi_cipher_suite',
    'IPMI cipher suite of the session that worked (17: HMAC-SHA256/AES-128, 3: HMAC-SHA1/AES-128, 0: none).',
  ),
} as const;

const CIPHER_MEMORY_KEY = 'bmc-ipmi-cipher-suites';
// Logout runs after the read, possibly past the scrape's own deadline.
const LOGOUT_DEADLINE_MS = 2000;
/** Errors raised before anything was sent: the BMC's state is unknown, not down. */
const NOT_ATTEMPTED = new Set(['config', 'secret', 'insecure-cipher', 'usage']);
/** Errors that mean the BMC did not answer at all. */
const NO_ANSWER = new Set(['timeout', 'unreachable', 'aborted']);

interface BmcReading {
  power: PowerState;
  cipherSuite?: number;
}

function cipherMemory(ctx: CollectContext): CipherSuiteMemory {
  const existing = ctx.cache.get(CIPHER_MEMORY_KEY);
  if (existing instanceof CipherSuiteMemory) return existing;
  const created = new CipherSuiteMemory();
  ctx.cache.set(CIPHER_MEMORY_KEY, created);
  return created;
}

async function readIpmi(
  host: HostConfig,
  bmc: IpmiBmcConfig,
  password: string,
  ctx: CollectContext,
): Promise<BmcReading> {
  const client = new IpmiClient(
    {
      host: bmc.address,
      port: bmc.port,
      user: bmc.user,
      password,
      privilege: bmc.privilege,
      cipherSuites: bmc.cipherSuites,
      allowCipherSuite0: bmc.allowCipherSuite0,
      allowIpmi15: bmc.allowIpmi15,
      label: `BMC of ${host.name}`,
    },
    cipherMemory(ctx),
  );
  return client.withSession(ctx.signal, async (session) => ({
    power: (await session.chassisStatus()).powerOn ? 'on' : 'off',
    cipherSuite: session.cipherSuite,
  }));
}

const REDFISH_POWER: Record<RedfishPowerState, PowerState> = {
  On: 'on',
  Off: 'off',
  PoweringOn: 'powering_on',
  PoweringOff: 'powering_off',
  Paused: 'paused',
};

async function readRedfish(
  host: HostConfig,
  bmc: RedfishBmcConfig,
  password: string,
  ctx: CollectContext,
): Promise<BmcReading> {
  const client = new RedfishClient({
    baseUrl: bmc.baseUrl,
    user: bmc.user,
    password,
    systemId: bmc.systemId,
    tls: { caFile: bmc.caFile, insecureTls: bmc.insecureTls },
    target: `Redfish BMC of ${host.name} (${bmc.baseUrl}, user ${bmc.user})`,
    redactor: ctx.loaded.redactor,
  });
  try {
    return { power: REDFISH_POWER[await client.powerState(ctx.signal)] };
  } finally {
    // A BMC has few sessions; one left behind per scrape would exhaust them.
    await client.close(deadlineSignal(LOGOUT_DEADLINE_MS, `logout from ${client.target}`)).catch(() => {});
  }
}

async function readCimc(
  host: HostConfig,
  bmc: CimcBmcConfig,
  password: string,
  ctx: CollectContext,
): Promise<BmcReading> {
  const client = new CimcClient({
    url: bmc.url,
    user: bmc.user,
    password,
    tls: { caFile: bmc.caFile, insecureTls: bmc.insecureTls },
    target: `Cisco IMC of ${host.name} (${bmc.url}, user ${bmc.user})`,
    redactor: ctx.loaded.redactor,
  });
  try {
    const power = await client.operPower(RACK_UNIT_DN, ctx.signal);
    return { power: power === 'on' || power === 'off' ? power : 'unknown' };
  } finally {
    // A CIMC has only 4 XML API sessions.
    await client.close(deadlineSignal(LOGOUT_DEADLINE_MS, `logout from ${client.target}`)).catch(() => {});
  }
}

/** One read of a BMC (answers, credentials work, power state); also the fencing-readiness check. */
export function readBmc(
  host: HostConfig,
  bmc: BmcConfig,
  password: string,
  ctx: CollectContext,
): Promise<BmcReading> {
  switch (bmc.type) {
    case 'ipmi':
      return readIpmi(host, bmc, password, ctx);
    case 'redfish':
      return readRedfish(host, bmc, password, ctx);
    case 'cimc':
      return readCimc(host, bmc, password, ctx);
  }
}

function renderFailure(err: unknown, registry: Registry, ctx: CollectContext): void {
  const code = err instanceof HavocError ? err.code : undefined;
  if (code !== undefined && NOT_ATTEMPTED.has(code)) return;
  const answered = !ctx.signal.aborted && code !== undefined && !NO_ANSWER.has(code);
  registerGauge(registry, BMC_METRICS.up).set(answered ? 1 : 0);
  if (err instanceof AuthError) registerGauge(registry, BMC_METRICS.authOk).set(0);
}

export const bmcCollector: Collector = {
  name: 'bmc',
  module: 'bmc',
  metrics: Object.values(BMC_METRICS),
  appliesTo(target, ctx) {
    return ctx.loaded.inventory.hosts.some((h) => h.name === target && h.bmc !== undefined);
  },
  async collect(target, registry, ctx) {
    const host = ctx.loaded.inventory.hosts.find((h) => h.name === target);
    const bmc = host?.bmc;
    if (!host || !bmc) throw new HavocError('usage', `no host ${target} with a BMC in ${ctx.loaded.file}`);
    const password = ctx.loaded.secrets.resolve(bmc.password, `hosts.${host.name}.bmc.password`);
    const started = monotonicMs();
    let reading: BmcReading;
    try {
      reading = await readBmc(host, bmc, password, ctx);
    } catch (err) {
      renderFailure(err, registry, ctx);
      throw err;
    }
    registerGauge(registry, BMC_METRICS.responseSeconds).set((monotonicMs() - started) / 1000);
    registerGauge(registry, BMC_METRICS.up).set(1);
    registerGauge(registry, BMC_METRICS.authOk).set(1);
    const power = registerGauge(registry, BMC_METRICS.powerState);
    for (const state of POWER_STATES) power.set({ state }, state === reading.power ? 1 : 0);
    if (reading.cipherSuite !== undefined) {
      registerGauge(registry, BMC_METRICS.cipherSuite).set(reading.cipherSuite);
    }
  },
};
