/** Numeric OID arithmetic on dotted strings ("1.3.6.1..."), without MIB files. */

/** The instance suffix of `oid` under `base` ("2.2.1.7", "2.2.1.7.12" -> "12"), or undefined. */
export function instanceOf(base: string, oid: string): string | undefined {
  if (oid.length <= base.length + 1 || !oid.startsWith(base) || oid[base.length] !== '.') return undefined;
  return oid.slice(base.length + 1);
}

/** Lexicographic order of OIDs by sub-identifier, as agents sort them. */
export function compareOids(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
}

/** The ifIndex of a single-index table instance ("12"); undefined for anything else. */
export function singleIndex(suffix: string): number | undefined {
  if (!/^\d+$/.test(suffix)) return undefined;
  const n = Number(suffix);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
