import { promqlUse, templateLabels } from './promql/promql.js';

/*
 * Does an expression (and the templates that render its result) use only
 * series that exist, with labels they have? A selector must name a known
 * metric and match only its labels; a label grouped on, matched on or
 * printed must exist on one of the series the expression selects (or be
 * made by label_replace). Recording rules' outputs count as known series.
 */

export function metricProblems(
  where: string,
  expr: string,
  known: ReadonlyMap<string, ReadonlySet<string>>,
  templates: readonly string[] = [],
): string[] {
  const use = promqlUse(expr);
  const out = use.errors.map((e) => `${where}: ${e}`);
  const available = new Set<string>(use.createdLabels);
  for (const s of use.selectors) {
    const labels = known.get(s.metric);
    if (!labels) {
      out.push(`${where}: metric ${s.metric || '(none)'} is not in the catalogue`);
      continue;
    }
    for (const l of labels) available.add(l);
    for (const l of s.labels) {
      if (!labels.has(l))
        out.push(`${where}: ${s.metric} has no label "${l}" (it has ${[...labels].join(', ')})`);
    }
  }
  for (const l of use.groupingLabels) {
    if (!available.has(l)) out.push(`${where}: groups or matches on "${l}", which none of its series has`);
  }
  for (const t of templates) {
    for (const l of templateLabels(t)) {
      if (!available.has(l)) out.push(`${where}: template uses $labels.${l}, which none of its series has`);
    }
  }
  return out;
}
