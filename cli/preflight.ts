import { Command } from 'commander';
import { PREFLIGHT_CHECKS, runPreflight } from '../inventory/preflight/index.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';
import { inventoryPathFor, loadForCli } from './inventory-option.js';
import { renderTable } from './table.js';

export function preflightCommand(env: CommandEnv): Command {
  return new Command('preflight')
    .description(
      'static HA checks on an inventory: capacity, fencing, MTU, redundancy, storage, probes (exit 1 on any error)',
    )
    .argument('[file]', "inventory YAML (default: --inventory, $HAVOC_INVENTORY, or the lab's)")
    .option('--list', 'list the checks and what each guards against')
    .action(
      env.run((file: string | undefined, opts: { list?: boolean }, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        if (opts.list) {
          const checks = PREFLIGHT_CHECKS.map((c) => ({ name: c.name, description: c.description }));
          if (g.json) io.json(checks);
          else
            io.out(
              renderTable(
                ['CHECK', 'GUARDS AGAINST'],
                checks.map((c) => [c.name, c.description]),
              ),
            );
          return EXIT.ok;
        }
        const path = inventoryPathFor(file ?? g.inventory, env.streams.env, g.lab);
        const report = runPreflight(loadForCli(path, io));
        if (g.json) {
          io.json({ file: path, ...report });
        } else {
          if (report.findings.length > 0) {
            io.out(
              renderTable(
                ['SEVERITY', 'ID', 'OBJECTS', 'FINDING'],
                report.findings.map((f) => [f.severity, f.id, f.objects.join(','), f.message]),
              ),
            );
            io.out('');
          }
          const tolerated = !report.failuresToleratedExact
            ? `at least ${report.failuresTolerated} (the search could not decide ${report.failuresTolerated + 1}: capacity.unknown)`
            : report.failuresTolerated < 0
              ? 'none (VMs do not fit even with every host up)'
              : String(report.failuresTolerated);
          io.out(
            `${path} (cluster ${report.cluster}): ${report.errors} error(s), ${report.warnings} warning(s); host failures tolerated: ${tolerated} (required: ${report.failuresToTolerate})`,
          );
        }
        return report.errors > 0 ? EXIT.failed : EXIT.ok;
      }),
    );
}
