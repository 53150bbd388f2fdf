import { deadlineSignal } from '../core/deadline.js';
import { createFenceContext } from '../fencers/context.js';
import { bmcClientOf } from '../fencers/device-factory.js';
import { RACK_UNIT_DN } from '../protocols/cimc/client.js';
import type { FaultContext } from './fault.js';
import { hostOf } from './fault-hosts.js';

const CLOSE_MS = 2_000;

/**
 * Pulses the host's diagnostic interrupt (an NMI) through its BMC, the
 * client built by the one device factory: IPMI Chassis Control 0x04
 * (`ipmitool chassis power diag`), Redfish ComputerSystem.Reset with
 * ResetType Nmi, CIMC adminPower diagnostic-interrupt. A kernel set to
 * panic on NMI (kernel.panic_on_unrecovered_nmi, or unknown_nmi_panic)
 * then dies while its power stays on. Returns what was called, for the ledger.
 */
export async function pulseDiagnosticInterrupt(ctx: FaultContext, name: string): Promise<string> {
  const host = hostOf(ctx, name);
  const fence = createFenceContext(ctx.loaded, ctx.log, host.fencing.timeoutSeconds * 1000);
  const bmc = await bmcClientOf(host, fence);
  switch (bmc.type) {
    case 'ipmi':
      await bmc.client.chassisControl('diagnosticInterrupt', ctx.signal);
      return `${bmc.description}: Chassis Control pulse diagnostic interrupt`;
    case 'redfish':
      try {
        const r = await bmc.client.reset('nmi', ctx.signal);
        return `${bmc.description}: ComputerSystem.Reset ${r.resetType} (HTTP ${r.httpStatus})`;
      } finally {
        await bmc.client.close(deadlineSignal(CLOSE_MS, `logout from ${bmc.description}`)).catch(() => {});
      }
    case 'cimc':
      try {
        await bmc.client.setAdminPower(RACK_UNIT_DN, 'diagnostic-interrupt', ctx.signal);
        return `${bmc.description}: adminPower diagnostic-interrupt on ${RACK_UNIT_DN}`;
      } finally {
        await bmc.client.close(deadlineSignal(CLOSE_MS, `logout from ${bmc.description}`)).catch(() => {});
      }
  }
}
