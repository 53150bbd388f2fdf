/**
 * Which ComputerSystem.Reset ResetType carries out each power intent, chosen
 * from what the system advertises (DMTF Resource.json ResetType; advertised
 * through `ResetType@Redfish.AllowableValues` or the action's
 * `@Redfish.ActionInfo` Parameters). Vendors differ: iDRAC lists PowerCycle,
 * OpenBMC lists neither PowerCycle nor ForceRestart in early versions, some
 * iDRACs drop GracefulRestart (quadsproject/badfish#10).
 */

/** `nmi`: the diagnostic interrupt operators use to crash a host whose kernel panics on NMI. */
export type ResetIntent = 'off' | 'on' | 'cycle' | 'soft' | 'nmi';

/** In order of preference. */
export const RESET_TYPES_FOR: Readonly<Record<ResetIntent, readonly string[]>> = {
  off: ['ForceOff'],
  on: ['On'],
  cycle: ['PowerCycle', 'ForceRestart'],
  soft: ['GracefulShutdown'],
  nmi: ['Nmi'],
};

export type ResetChoice = { ok: true; resetType: string } | { ok: false; advertised: readonly string[] };

/**
 * `advertised` undefined means the system published no list at all (older
 * iLO and CIMC firmware): the standard value is sent and the BMC's answer,
 * whose status is always checked, decides. An advertised list is obeyed
 * strictly, so havoc never sends a type the BMC said it does not take.
 */
export function chooseResetType(intent: ResetIntent, advertised: readonly string[] | undefined): ResetChoice {
  const wanted = RESET_TYPES_FOR[intent];
  if (advertised === undefined) return { ok: true, resetType: wanted[0]! };
  const found = wanted.find((t) => advertised.includes(t));
  return found ? { ok: true, resetType: found } : { ok: false, advertised };
}

/** The allowable values from an ActionInfo resource's `Parameters` entry named ResetType. */
export function resetTypesFromActionInfo(body: unknown): string[] | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const params = (body as Record<string, unknown>)['Parameters'];
  if (!Array.isArray(params)) return undefined;
  for (const p of params) {
    if (p && typeof p === 'object' && (p as Record<string, unknown>)['Name'] === 'ResetType') {
      const values = (p as Record<string, unknown>)['AllowableValues'];
      if (Array.isArray(values)) return values.filter((v): v is string => typeof v === 'string');
    }
  }
  return undefined;
}
