import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HavocError } from '../core/errors.js';
import { IpmiClient } from '../protocols/ipmi/index.js';
import { buildDiagInterruptModule } from './bmc-diag-module.js';
import { recordProcess } from './daemons.js';
import { type IpmiSimConfig, type IpmiSimHandle, startIpmiSim } from './ipmi-sim.js';
import type { LabStateStore } from './state.js';
import type { LabHost, LabTopology } from './topology.js';

/*
 * The lab's BMCs: one ipmi_sim per host (lab/ipmi-sim.ts), with an admin and
 * an operator user, whose chassis control runs the host's chassis script, so
 * power commands (and the diagnostic interrupt) act on the host for real; and havoc's own IPMI client to
 * ask them for the power state.
 */

export const BMC_ADMIN_USER = 'admin';
export const BMC_OPERATOR_USER = 'operator';
/** The BMC's UDP port, as on a real BMC. */
export const BMC_PORT = 623;

export type PowerState = 'on' | 'off';

const bmcSecret = (stateDir: string, host: string, user: string) =>
  join(stateDir, 'secrets', `bmc-${host}-${user}`);
const readSecret = (path: string) => readFileSync(path, 'utf8').trim();

/** The ipmi_sim of one lab host; its files live in <state>/bmc/<host>/. */
export function labBmcConfig(stateDir: string, host: Pick<LabHost, 'name' | 'bmcAddress'>): IpmiSimConfig {
  return {
    stateDir: join(stateDir, 'bmc', host.name),
    name: `bmc-${host.name}`,
    address: host.bmcAddress,
    port: BMC_PORT,
    admin: { name: BMC_ADMIN_USER, password: readSecret(bmcSecret(stateDir, host.name, 'admin')) },
    operator: {
      name: BMC_OPERATOR_USER,
      password: readSecret(bmcSecret(stateDir, host.name, 'operator')),
    },
    chassisControlScript: join(stateDir, 'hosts', host.name, 'chassis.sh'),
  };
}

/**
 * Starts every host's BMC in the switch namespace, on the out-of-band bridge
 * (so a BMC stays up while its host is off), each recorded in the lab's
 * state before its spawn and completed with PID and start time after it, as
 * `lab down` expects of every lab process. Resolves once every BMC answers an
 * authenticated Get Device ID from here, the management station.
 */
export async function startLabBmcs(
  store: LabStateStore,
  topo: LabTopology,
  signal: AbortSignal,
): Promise<IpmiSimHandle[]> {
  // Every lab BMC takes a diagnostic interrupt (an NMI: the host crashes, power stays on), as a real one does.
  const diagInterruptModule = await buildDiagInterruptModule(join(store.state.dir, 'bmc'), signal);
  return Promise.all(
    topo.hosts.map((h) =>
      startIpmiSim(
        {
          ...labBmcConfig(store.state.dir, h),
          diagInterruptModule,
          netns: topo.switch.netns,
          readiness: 'device-id',
          onSpawn: recordProcess(store, `bmc-${h.name}`, topo.switch.netns),
        },
        signal,
      ).catch((err: unknown) => {
        if (!(err instanceof HavocError)) throw err;
        throw new HavocError(err.code, `the BMC of ${h.name} (ipmi_sim) did not come up: ${err.message}`, {
          cause: err,
          ...(err.hint ? { hint: err.hint } : {}),
        });
      }),
    ),
  );
}

/** havoc's IPMI client for a lab host's BMC, logged in as the admin user. */
export function labBmcClient(stateDir: string, host: Pick<LabHost, 'name' | 'bmcAddress'>): IpmiClient {
  return new IpmiClient({
    host: host.bmcAddress,
    port: BMC_PORT,
    user: BMC_ADMIN_USER,
    password: readSecret(bmcSecret(stateDir, host.name, 'admin')),
    // ipmi_sim offers suite 3 only: asking for it directly saves a refused Open Session per read.
    cipherSuites: [3],
    timeoutMs: 1500,
    label: `BMC of ${host.name}`,
  });
}

/** The chassis power state the BMC reports; a BMC that does not answer throws (with its name and a hint). */
export async function bmcPowerState(client: IpmiClient, signal: AbortSignal): Promise<PowerState> {
  return (await client.chassisStatus(signal)).powerOn ? 'on' : 'off';
}
