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

/**
 * The parameters of an action, all given as `-p key=value` and no TARGET
 * (`havoc chaos inject live-migrate -p vm=web1`): unknown keys and positional
 * targets are refused, missing required keys named.
 */
export function actionOptions(
  action: string,
  targets: readonly string[],
  options: Readonly<Record<string, string>>,
  required: readonly string[],
  optional: readonly string[] = [],
): Record<string, string> {
  const usage = `havoc chaos inject ${action} ${[...required.map((k) => `-p ${k}=NAME`), ...optional.map((k) => `[-p ${k}=NAME]`)].join(' ')}`;
  if (targets.length > 0)
    throw new HavocError(
      'usage',
      `${action} takes its parameters as -p key=value, not "${targets.join(' ')}"`,
      {
        hint: usage,
      },
    );
  refuseUnknownOptions(action, options, new Set([...required, ...optional]), usage);
  for (const k of required) {
    if (!options[k]) throw new HavocError('usage', `${action} needs -p ${k}=NAME`, { hint: usage });
  }
  return { ...options };
}
