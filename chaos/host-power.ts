import { monotonicMs, pollUntil } from '../core/deadline.js';
import { errorMessage, HavocError } from '../core/errors.js';
import type { FenceDevice, PowerState } from '../fencers/device.js';
import { driveToState } from '../fencers/verify.js';
import type { HostConfig } from '../inventory/schema.js';
import { sshAnswers } from './ssh-answers.js';

/*
 * What the host faults that take a host down (host-power-off, host-crash,
 * host-hang) share: reading the BMC's power and a fresh SSH login side by
 * side, and bringing the host back through its BMC.
 */

/** A host may take this long from power on until its sshd answers (a real server's POST is minutes). */
export const BOOT_MS = 10 * 60_000;

/** Status, command and polls until seen, as a fence drives the device (fencers/verify.ts). */
export function driveBmc(device: FenceDevice, host: HostConfig, target: PowerState, signal: AbortSignal) {
  return driveToState(device, target, host.fencing.timeoutSeconds * 1000, signal, [], monotonicMs());
}

export interface PowerAndSsh {
  power: PowerState;
  sshAnswered: boolean;
  evidence: string[];
}

/** The BMC's power reading and a fresh SSH login, at the same time, with a line of evidence each. */
export async function readPowerAndSsh(
  device: FenceDevice,
  host: HostConfig,
  signal: AbortSignal,
): Promise<PowerAndSsh> {
  const [power, ssh] = await Promise.all([device.status(signal), sshAnswers(host, signal)]);
  return {
    power,
    sshAnswered: ssh.answered,
    evidence: [
      `${device.description} reads power ${power}`,
      `SSH to ${host.name} (${host.address}): ${ssh.answered ? 'answered' : `no answer (${ssh.detail})`}`,
    ],
  };
}

/** Polls fresh SSH logins until one answers (BOOT_MS at most). */
export async function waitForSsh(host: HostConfig, signal: AbortSignal): Promise<void> {
  await pollUntil(
    async (s) => ((await sshAnswers(host, s)).answered ? true : undefined),
    AbortSignal.any([signal, AbortSignal.timeout(BOOT_MS)]),
    { initialMs: 200, maxMs: 2_000 },
  ).catch((err: unknown) => {
    throw new HavocError(
      'revert',
      `${host.name} is powered on but SSH did not answer: ${errorMessage(err)}`,
      {
        target: host.name,
      },
    );
  });
}

/** Power on through the BMC (a no-op where it reads on) and wait until a fresh SSH login answers. */
export async function powerOnAndWaitForSsh(
  device: FenceDevice,
  host: HostConfig,
  signal: AbortSignal,
): Promise<void> {
  await driveBmc(device, host, 'on', signal);
  await waitForSsh(host, signal);
}

/**
 * A crashed host comes back only through its BMC: off (a no-op where it
 * reads off), then on, then SSH. A host that already answers SSH (the
 * cluster fenced it and it rebooted, or it never went down) is left alone.
 */
export async function powerCycleUnlessBack(
  device: FenceDevice,
  host: HostConfig,
  signal: AbortSignal,
): Promise<void> {
  const power = await device.status(signal);
  if (power === 'on' && (await sshAnswers(host, signal)).answered) return;
  if (power === 'on') await driveBmc(device, host, 'off', signal);
  await powerOnAndWaitForSsh(device, host, signal);
}
