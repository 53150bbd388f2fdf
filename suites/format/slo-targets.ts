import type { Inventory, SloConfig } from '../../inventory/schema.js';

/*
 * Where an expectation's `targetMs` comes from when the step does not give
 * it: the VM's own `slo`, else the inventory's `slos.defaults`.
 */

interface SloSource {
  field: keyof SloConfig;
  /** Milliseconds per unit of the field. */
  unitMs: number;
  /** The parameter that names the VM whose `slo` applies (none: only the defaults). */
  vmParam?: string;
}

export const SLO_OF_EXPECTATION: Readonly<Record<string, SloSource>> = {
  restartedWithin: { field: 'restartWithinSeconds', unitMs: 1000, vmParam: 'vm' },
  maxServiceDowntime: { field: 'migrationDowntimeMs', unitMs: 1, vmParam: 'vm' },
  migratedWithin: { field: 'migrationWithinSeconds', unitMs: 1000, vmParam: 'vm' },
  fencedWithin: { field: 'fenceWithinSeconds', unitMs: 1000 },
  detectedWithin: { field: 'detectionWithinSeconds', unitMs: 1000 },
  steadyStateRestoredWithin: { field: 'steadyStateWithinSeconds', unitMs: 1000 },
  alertFiredWithin: { field: 'alertWithinSeconds', unitMs: 1000 },
};

/** The target in ms, and which inventory key it came from, or undefined when the inventory sets none. */
export function sloTarget(
  inv: Inventory,
  expectation: string,
  params: Readonly<Record<string, unknown>>,
): { targetMs: number; from: string } | undefined {
  const src = SLO_OF_EXPECTATION[expectation];
  if (!src) return undefined;
  const vmName = src.vmParam ? params[src.vmParam] : undefined;
  const vm = typeof vmName === 'string' ? inv.vms.find((v) => v.name === vmName) : undefined;
  const own = vm?.slo?.[src.field];
  if (own !== undefined) return { targetMs: own * src.unitMs, from: `vms.${vm!.name}.slo.${src.field}` };
  const d = inv.slos.defaults[src.field];
  if (d !== undefined) return { targetMs: d * src.unitMs, from: `slos.defaults.${src.field}` };
  return undefined;
}

/** Where a user sets the SLO an expectation falls back to, for the error when none is set. */
export function sloKeyOf(expectation: string): string | undefined {
  const src = SLO_OF_EXPECTATION[expectation];
  return src ? `slos.defaults.${src.field}${src.vmParam ? ` or vms[].slo.${src.field}` : ''}` : undefined;
}
