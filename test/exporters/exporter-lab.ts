import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import type { LoadedInventory } from '../../inventory/load.js';
import type { HostConfig } from '../../inventory/schema.js';
import { startTestLab } from '../support/lab-fixture.js';

/* What the exporter's lab tests share: bringing a lab up, driving its BMCs with ipmitool, reading /probe. */

const run = promisify(execFile);

export async function bringUpLab(name: string): Promise<{ loaded: LoadedInventory; stateDir: string }> {
  const lab = await startTestLab(name);
  return { loaded: lab.loaded, stateDir: lab.stateDir };
}

/** ipmitool is the reference IPMI peer (Debian package ipmitool); -C 3 is what ipmi_sim offers. */
export async function ipmitoolPower(host: HostConfig, action: 'on' | 'off' | 'status'): Promise<string> {
  const bmc = host.bmc;
  if (bmc?.type !== 'ipmi' || !('file' in bmc.password)) throw new Error(`${host.name} has no lab IPMI BMC`);
  try {
    const { stdout } = await run(
      'ipmitool',
      [
        '-I',
        'lanplus',
        '-C',
        '3',
        '-H',
        bmc.address,
        '-p',
        String(bmc.port),
        '-U',
        bmc.user,
        '-f',
        bmc.password.file,
        'chassis',
        'power',
        action,
      ],
      { timeout: 15_000 },
    );
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('ipmitool not found: install the Debian package ipmitool');
    }
    throw err;
  }
}

export async function probe(
  url: string,
  module: string,
  target: string,
  timeoutSeconds = 10,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/probe?module=${module}&target=${encodeURIComponent(target)}`, {
    headers: { 'X-Prometheus-Scrape-Timeout-Seconds': String(timeoutSeconds) },
    signal: AbortSignal.timeout((timeoutSeconds + 5) * 1000),
  });
  return { status: res.status, text: await res.text() };
}

/** Polls until `check` holds. */
export function eventually(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<true> {
  return pollUntil(async () => ((await check()) ? true : undefined), deadlineSignal(ms, what), {
    initialMs: 50,
    maxMs: 500,
  });
}
