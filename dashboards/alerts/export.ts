import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../../core/make-dirs.js';
import { alertmanagerExample } from './alertmanager-example.js';
import { RULE_GROUPS } from './index.js';
import { promtoolTests } from './promtool-tests.js';
import { renderRuleFile, ruleFileName } from './rule-files.js';

export interface ExportedAlertFiles {
  rules: string[];
  tests: string[];
  alertmanager: string;
}

/**
 * DIR/rules/*.rules.yml, DIR/tests/*.test.yml (promtool test rules),
 * DIR/alertmanager-example.yml (its havoc-suite receiver at `suiteWebhook`, HOST:PORT).
 */
export function exportAlertFiles(dir: string, o: { suiteWebhook?: string } = {}): ExportedAlertFiles {
  makeDirs(join(dir, 'rules'), 'the alerts folder');
  makeDirs(join(dir, 'tests'), 'the alerts folder');
  const rules: string[] = [];
  const tests: string[] = [];
  for (const g of RULE_GROUPS) {
    const rule = join(dir, 'rules', ruleFileName(g));
    writeFileSync(rule, renderRuleFile(g));
    rules.push(rule);
    const test = join(dir, 'tests', `${g.name}.test.yml`);
    writeFileSync(test, promtoolTests(g, join('..', 'rules', ruleFileName(g))));
    tests.push(test);
  }
  const alertmanager = join(dir, 'alertmanager-example.yml');
  writeFileSync(
    alertmanager,
    alertmanagerExample(o.suiteWebhook ? { suiteUrl: `http://${o.suiteWebhook}/` } : {}),
  );
  return { rules, tests, alertmanager };
}
