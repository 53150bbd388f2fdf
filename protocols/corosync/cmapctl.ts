import { HavocError } from '../../core/errors.js';

/**
 * `corosync-cmapctl` output: one `key (type) = value` per line, the values
 * corosync runs with (`runtime.config.totem.token` is the token in effect,
 * after corosync added token_coefficient per node beyond two).
 */
export type CmapValues = ReadonlyMap<string, string>;

export function parseCmapctl(text: string): CmapValues {
  const out = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^(\S+) \((\w+)\) = ?(.*)$/.exec(line);
    if (!m)
      throw new HavocError(
        'parse',
        `corosync-cmapctl line ${i + 1}: expected "key (type) = value", got "${line}"`,
      );
    out.set(m[1]!, m[3]!);
  });
  return out;
}
