import { z } from 'zod';
import { HavocError } from '../core/errors.js';
import { refuseUnknownOptions } from './fault-options.js';

/** The parameters of a fault that acts on one whole host and takes nothing else (host-power-off, bmc-dead). */
export const oneHostParams = z.strictObject({ host: z.string().min(1) });
export type OneHostParams = z.infer<typeof oneHostParams>;

/** `havoc chaos inject FAULT HOST`: exactly one target and no -p parameters. */
export function oneHostFromCommandLine(
  fault: string,
): (targets: readonly string[], options: Readonly<Record<string, string>>) => OneHostParams {
  return (targets, options) => {
    refuseUnknownOptions(
      fault,
      options,
      new Set(),
      `its only argument is the host: havoc chaos inject ${fault} HOST`,
    );
    if (targets.length !== 1)
      throw new HavocError('usage', `${fault} acts on one host, got ${targets.length}`, {
        hint: `havoc chaos inject ${fault} HOST`,
      });
    return { host: targets[0]! };
  };
}

/** The parts every one-host fault shares: its name, parameters, command line and targets. */
export function oneHostFault(name: string) {
  return {
    name,
    params: oneHostParams,
    fromCommandLine: oneHostFromCommandLine(name),
    hosts: (p: OneHostParams) => [p.host],
  };
}
