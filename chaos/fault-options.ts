import { HavocError } from '../core/errors.js';

/**
 * Refuses a `-p key=value` the fault does not take, so a typo on the command
 * line is an error naming the key, never a parameter silently ignored.
 */
export function refuseUnknownOptions(
  fault: string,
  options: Readonly<Record<string, string>>,
  known: ReadonlySet<string>,
  hint: string,
): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new HavocError('usage', `${fault} has no parameter "${key}"`, { hint });
  }
}
