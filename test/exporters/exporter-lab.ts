import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import type { LoadedInventory } from '../../inventory/load.js';
import { startTestLab } from '../support/lab-fixture.js';

/* What the exporter's lab tests share: bringing a lab up, driving its BMCs with ipmitool, reading /probe. */

const _run = promisify(execFile);

export async function bringUpLab(name: string): Promise<{ loaded: LoadedInventory; stateDir: string }> {
  const lab = await startTestLab(name);
  return { loaded: lab.loaded, stateDir: lab.stateDir };
}

export { ipmitoolPower } from '../lab/ipmitool-peer.js';

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
