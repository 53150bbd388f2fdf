import { DASHBOARDS } from './boards/index.js';
import { ALL } from './build.js';
import { substituteIntervals } from './lint.js';
import type { PanelSpec } from './panel-spec.js';

/*
 * Every target of every panel as Prometheus receives it from Grafana with
 * every variable on "All": what the query test runs against the real
 * Prometheus.
 */

export interface PanelQuery {
  dashboard: string;
  panel: string;
  expr: string;
  /** Why it may return nothing, when it may. */
  mayBeEmpty: string | undefined;
  panelSpec: PanelSpec;
}

export function withVariablesAll(expr: string): string {
  return substituteIntervals(expr).replace(/\$(cluster|job|instance)\b/g, ALL);
}

export function panelQueries(): PanelQuery[] {
  return DASHBOARDS.flatMap((d) =>
    d.rows.flatMap((r) =>
      r.panels.flatMap((p) =>
        p.targets.map((t) => ({
          dashboard: d.uid,
          panel: p.title,
          expr: withVariablesAll(t.expr),
          mayBeEmpty: p.emptyInLab ?? p.emptyWhileHealthy,
          panelSpec: p,
        })),
      ),
    ),
  );
}
