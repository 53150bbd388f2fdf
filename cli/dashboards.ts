import { Command } from 'commander';
import { errorMessage, HavocError } from '../core/errors.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';

export function dashboardsCommand(env: CommandEnv): Command {
  const cmd = new Command('dashboards').description('Grafana dashboards for the havoc metrics');
  cmd
    .command('export')
    .description(
      'write every dashboard as Grafana JSON into DIR, and DIR/provisioning/havoc-dashboards.yaml (a file provider for them)',
    )
    .requiredOption('--out <dir>', 'directory to write into (created if missing)')
    .action(
      env.run(async (opts: { out: string }, sub: Command) => {
        const g = env.globals(sub);
        const io = env.io(g);
        // The Grafana SDK is loaded only for this command, not at every havoc start-up.
        const { exportDashboards } = await import('../dashboards/grafana/export.js');
        let files: ReturnType<typeof exportDashboards>;
        try {
          files = exportDashboards(opts.out);
        } catch (err) {
          throw new HavocError(
            'environment',
            `cannot write the dashboards into ${opts.out}: ${errorMessage(err)}`,
            {
              hint: 'pass a writable --out directory',
            },
          );
        }
        if (g.json) io.json(files);
        else
          io.out(
            `${files.dashboards.length} dashboards in ${opts.out}, provisioning file ${files.provisioning}`,
          );
        return EXIT.ok;
      }),
    );
  return cmd;
}
