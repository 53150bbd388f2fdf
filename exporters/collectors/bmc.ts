import type { Registry } from 'prom-client';
import { deadlineSignal, monotonicMs } from '../../core/deadline.js';
import { AuthError, HavocError } from '../../core/errors.js';
import { type BmcClient, bmcClientOf } from '../../fencers/device-factory.js';
import { RACK_UNIT_DN } from '../../protocols/cimc/client.js';
import type { RedfishPowerState } from '../../protocols/redfish/client.js';
import type { CollectContext, Collector } from '../collector.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';
import { fenceContextOf } from './fence-context.js';

/*
 * The bmc module: can the BMC of a host be reached, do the inventory's
 * credentials open a session, what power state does it report, and how long
 * did that take. Exactly what fencing will need when it matters, checked
 * every scrape. The target is the host's name. The BMC client comes from the
 * fencers' device factory, built as the host's fence device builds it.
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

// Logout runs after the read, possibly past the scrape's own deadline.
const LOGOUT_DEADLINE_MS = 2000;
// One IPMI exchange; the scrape's deadline is on top.
const EXCHANGE_MS = 3000;
/** Errors raised before anything was sent: the BMC's state is unknown, not down. */
const NOT_ATTEMPTED = new Set(['config', 'secret', 'insecure-cipher', 'usage']);
/** Errors that mean the BMC did not answer at all. */
const NO_ANSWER = new Set(['timeout', 'unreachable', 'aborted']);

interface BmcReading {
  power: PowerState;
  cipherSuite?: number;
}

const REDFISH_POWER: Record<RedfishPowerState, PowerState> = {
  On: 'on',
  Off: 'off',
  PoweringOn: 'powering_on',
  PoweringOff: 'powering_off',
  Paused: 'paused',
};

/** One read of a BMC: it answers, the credentials work, and its power state. */
async function readBmc(bmc: BmcClient, signal: AbortSignal): Promise<BmcReading> {
  switch (bmc.type) {
    case 'ipmi':
      return bmc.client.withSession(signal, async (session) => ({
        power: (await session.chassisStatus()).powerOn ? 'on' : 'off',
        cipherSuite: session.cipherSuite,
      }));
    case 'redfish':
    case 'cimc':
      try {
        if (bmc.type === 'redfish') return { power: REDFISH_POWER[await bmc.client.powerState(signal)] };
        const power = await bmc.client.operPower(RACK_UNIT_DN, signal);
        return { power: power === 'on' || power === 'off' ? power : 'unknown' };
      } finally {
        // A BMC has few sessions (a CIMC only 4); one left behind per scrape would exhaust them.
        await bmc.client
          .close(deadlineSignal(LOGOUT_DEADLINE_MS, `logout from ${bmc.description}`))
          .catch(() => {});
      }
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
    if (!host?.bmc) throw new HavocError('usage', `no host ${target} with a BMC in ${ctx.loaded.file}`);
    const started = monotonicMs();
    let reading: BmcReading;
    try {
      reading = await readBmc(await bmcClientOf(host, fenceContextOf(ctx, EXCHANGE_MS)), ctx.signal);
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
