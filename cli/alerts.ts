import { Command } from 'commander';
import { errorMessage, HavocError } from '../core/errors.js';
import { formatHostPort, parseListenAddress } from '../core/listen-address.js';
import { DEFAULT_SUITE_WEBHOOK } from '../dashboards/alerts/alertmanager-example.js';
import { exportAlertFiles } from '../dashboards/alerts/export.js';
import { RULE_GROUPS } from '../dashboards/alerts/index.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';

export function alertsCommand(env: CommandEnv): Command {
  const cmd = new Command('alerts').description('Prometheus alert and recording rules for degraded HA');

  cmd
    .command('export')
    .description(
      'write the rule files (rules/*.rules.yml), their promtool tests (tests/*.test.yml) and an Alertmanager route example into DIR',
    )
    .requiredOption('--out <dir>', 'directory to write into (created if missing)')
    .option(
      '--suite-webhook <host:port>',
      `where \`havoc suite run --alert-webhook\` listens, for the example's havoc-suite receiver (default ${DEFAULT_SUITE_WEBHOOK})`,
    )
    .action(
      env.run((opts: { out: string; suiteWebhook?: string }, sub: Command) => {
        const g = env.globals(sub);
        const io = env.io(g);
        const suite = opts.suiteWebhook
          ? parseListenAddress(opts.suiteWebhook, '--suite-webhook', DEFAULT_SUITE_WEBHOOK)
          : undefined;
        let files: ReturnType<typeof exportAlertFiles>;
        try {
          files = exportAlertFiles(
            opts.out,
            suite ? { suiteWebhook: formatHostPort(suite.host, suite.port) } : {},
          );
        } catch (err) {
          throw new HavocError(
            'environment',
            `cannot write the alert files into ${opts.out}: ${errorMessage(err)}`,
            {
              hint: 'pass a writable --out directory',
            },
          );
        }
        if (g.json) io.json(files);
        else {
          io.out(
            `${files.rules.length} rule files, ${files.tests.length} promtool test files, ${files.alertmanager}`,
          );
          io.out(
            `check them: promtool check rules ${opts.out}/rules/*.yml && (cd ${opts.out}/tests && promtool test rules *.yml)`,
          );
        }
        return EXIT.ok;
      }),
    );

  cmd
    .command('list')
    .description('list every alert: group, name, severity, for, what it means')
    .action(
      env.run((_opts: object, sub: Command) => {
        const g = env.globals(sub);
        const io = env.io(g);
        const rows = RULE_GROUPS.flatMap((grp) =>
          grp.alerts.map((a) => ({
            group: grp.name,
            alert: a.alert,
            severity: a.severity,
            for: a.for,
            meaning: a.meaning,
            runbook: a.runbook,
          })),
        );
        if (g.json) io.json(rows);
        else for (const r of rows) io.out(`${r.group}\t${r.alert}\t${r.severity}\t${r.for}\t${r.meaning}`);
        return EXIT.ok;
      }),
    );
  return cmd;
}
