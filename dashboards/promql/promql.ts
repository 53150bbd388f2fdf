import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';

/*
 * What a PromQL expression uses, from Prometheus' own Lezer grammar
 * (@prometheus-io/lezer-promql, the parser of the Prometheus UI): syntax
 * errors, the series it selects with their label matchers, the labels it
 * groups or matches on, the labels label_replace creates, and the functions
 * it calls with the range they are given. The rule tests and the dashboard
 * lint both read expressions through this.
 */

export interface SelectorUse {
  metric: string;
  /** Label names matched in {...}. */
  labels: string[];
  matchers: { label: string; op: string; value: string }[];
}

export interface FunctionUse {
  name: string;
  /** The range of the first matrix argument, e.g. "5m" or "$__rate_interval". */
  range: string | undefined;
}

export interface PromqlUse {
  errors: string[];
  selectors: SelectorUse[];
  /** Labels in by/without/on/ignoring/group_left/group_right. */
  groupingLabels: string[];
  /** Labels label_replace writes. */
  createdLabels: string[];
  functions: FunctionUse[];
}

function text(src: string, n: SyntaxNode): string {
  return src.slice(n.from, n.to);
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'" || s[0] === '`')) return s.slice(1, -1);
  return s;
}

function childrenOf(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

export function promqlUse(expr: string): PromqlUse {
  const tree = parser.parse(expr);
  const use: PromqlUse = { errors: [], selectors: [], groupingLabels: [], createdLabels: [], functions: [] };
  if (expr.trim() === '') use.errors.push('empty expression');
  tree.iterate({
    enter: (ref) => {
      const n = ref.node;
      const name = n.type.name;
      if (n.type.isError) {
        use.errors.push(`syntax error at ${n.from}: ${JSON.stringify(expr.slice(n.from, n.from + 20))}`);
        return;
      }
      if (name === 'VectorSelector') {
        const id = childrenOf(n).find((c) => c.type.name === 'Identifier');
        const matchers: SelectorUse['matchers'] = [];
        let metric = id ? text(expr, id) : '';
        for (const m of n.getChildren('LabelMatchers').flatMap((lm) => childrenOf(lm))) {
          const label = m.getChild('LabelName') ?? m.getChild('QuotedLabelName');
          const op = m.getChild('MatchOp');
          const value = m.getChild('StringLiteral');
          if (m.type.name === 'QuotedLabelMatcher' && !label) {
            // {"metric_name"}: the UTF-8 form of a bare metric name.
            const q = m.getChild('QuotedLabelName') ?? m.getChild('StringLiteral');
            if (q) metric = unquote(text(expr, q));
            continue;
          }
          if (label && op && value) {
            const l = unquote(text(expr, label));
            if (l === '__name__') metric = unquote(text(expr, value));
            else matchers.push({ label: l, op: text(expr, op), value: unquote(text(expr, value)) });
          }
        }
        use.selectors.push({ metric, labels: matchers.map((m) => m.label), matchers });
      }
      if (name === 'GroupingLabels') {
        for (const l of childrenOf(n)) {
          if (l.type.name === 'LabelName' || l.type.name === 'QuotedLabelName')
            use.groupingLabels.push(unquote(text(expr, l)));
        }
      }
      if (name === 'FunctionCall') {
        const fn = n.getChild('FunctionIdentifier');
        const body = n.getChild('FunctionCallBody');
        const fname = fn ? text(expr, fn) : '';
        const matrix = body ? findDescendant(body, 'MatrixSelector') : undefined;
        let range: string | undefined;
        if (matrix) {
          const m = /\[([^\]]+)\]\s*$/.exec(text(expr, matrix));
          range = m?.[1];
        }
        use.functions.push({ name: fname, range });
        if (fname === 'label_replace' && body) {
          const args = childrenOf(body).filter((c) => c.type.name === 'StringLiteral');
          if (args[0]) use.createdLabels.push(unquote(text(expr, args[0])));
        }
      }
    },
  });
  return use;
}

function findDescendant(n: SyntaxNode, type: string): SyntaxNode | undefined {
  for (const c of childrenOf(n)) {
    if (c.type.name === type) return c;
    // Do not look into nested function calls: their matrix belongs to them.
    if (c.type.name === 'FunctionCall') continue;
    const d = findDescendant(c, type);
    if (d) return d;
  }
  return undefined;
}

/** Labels named in alert templates: {{ $labels.x }}. */
export function templateLabels(template: string): string[] {
  return [...template.matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((m) => m[1] ?? '');
}
