import { esc } from '../../suites/reports/html/escape.js';

/*
 * The software versions the live checks gathered, one row per package and
 * one column per host. A package whose version is not the same on every
 * host where it was read is highlighted (colour, bold and a "differs" mark,
 * which survive a black and white print): mixed versions are what the
 * versions check fails on, and what a reader looks for first.
 */

/** The packages whose known versions differ between hosts ('' = not installed counts as a version). */
export function differingPackages(versions: Record<string, Record<string, string>>): Set<string> {
  const byPackage = new Map<string, Set<string>>();
  for (const pkgs of Object.values(versions))
    for (const [pkg, v] of Object.entries(pkgs)) {
      const seen = byPackage.get(pkg) ?? new Set<string>();
      seen.add(v);
      byPackage.set(pkg, seen);
    }
  return new Set([...byPackage].filter(([, seen]) => seen.size > 1).map(([pkg]) => pkg));
}

export function versionsTableHtml(versions: Record<string, Record<string, string>>): string {
  const hosts = Object.keys(versions).sort();
  if (hosts.length === 0) return '<p class="muted">No software version was gathered.</p>';
  const packages = [...new Set(hosts.flatMap((h) => Object.keys(versions[h] ?? {})))].sort();
  const differs = differingPackages(versions);
  const cell = (v: string | undefined) =>
    v === undefined
      ? '<span class="muted">not gathered</span>'
      : v === ''
        ? '<span class="muted">not installed</span>'
        : esc(v);
  const rows = packages.map((pkg) => {
    const d = differs.has(pkg);
    return `<tr class="version${d ? ' differs' : ''}" data-package="${esc(pkg)}"><td><code>${esc(pkg)}</code>${
      d ? ' <strong class="differs-mark">differs</strong>' : ''
    }</td>${hosts.map((h) => `<td class="mono" data-host="${esc(h)}">${cell(versions[h]?.[pkg])}</td>`).join('')}</tr>`;
  });
  const note = differs.size
    ? `<p><strong class="differs-mark">${differs.size} package${differs.size === 1 ? '' : 's'} differ${
        differs.size === 1 ? 's' : ''
      } between hosts</strong>: ${[...differs]
        .sort()
        .map((p) => `<code>${esc(p)}</code>`)
        .join(', ')}</p>`
    : '<p class="muted">Every package has the same version on every host.</p>';
  return `${note}<table class="versions"><thead><tr><th>package</th>${hosts
    .map((h) => `<th>${esc(h)}</th>`)
    .join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
