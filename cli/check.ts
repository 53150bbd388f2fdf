import { Command } from 'commander';
import type { CheckResult, LiveCheck } from '../certify/check.js';
import { ALL_CHECKS, catalogueFor } from '../certify/checks/index.js';
import { runLiveChecks } from '../certify/run-checks.js';
import { HavocError } from '../core/errors.js';
import { registerSecrets } from '../inventory/register-secrets.js';
import { SshPool } from '../protocols/ssh/index.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';
import { inventoryPathFor, loadForCli } from './inventory-option.js';
import { renderTable } from './table.js';

const STATUS_ORDER: Record<CheckResult['status'], number> = {
  critical: 0,
  error: 1,
  warning: 2,
  passing: 3,
  'not-applicable': 4,
};

/** 1 when a critical check failed, 5 when none did but some could not be judged, else 0 (warnings pass). */
export function checkExitCode(results: readonly CheckResult[]): number {
  if (results.some((r) => r.status === 'critical')) return EXIT.failed;
  if (results.some((r) => r.status === 'error')) return EXIT.inconclusive;
  return EXIT.ok;
}

export function checkCommand(env: CommandEnv): Command {
  return new Command('check')
    .description(
      'live best-practice checks of the cluster, read-only: over SSH from every host (corosync, Pacemaker, versions, clocks, VM definitions, DRBD) and from XAPI for a XenServer pool: exit 0 no critical, 1 a critical failed, 5 a check could not be judged',
    )
    .argument('[file]', "inventory YAML (default: --inventory, $HAVOC_INVENTORY, or the lab's)")
    .option('--list', 'list the checks, what each guards against and its Trento ids')
    .option('--only <ids>', 'comma-separated check ids to run')
    .action(
      env.run(async (file: string | undefined, opts: { list?: boolean; only?: string }, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const ids = opts.only?.split(',').map((s) => s.trim());
        const unknown = (ids ?? []).filter((id) => !ALL_CHECKS.some((c) => c.id === id));
        if (unknown.length) {
          throw new HavocError('usage', `--only: no check ${unknown.join(', ')}`, {
            hint: `one of ${ALL_CHECKS.map((c) => c.id).join(', ')} (havoc check --list)`,
          });
        }
        const only = (list: readonly LiveCheck[]) => (ids ? list.filter((c) => ids.includes(c.id)) : list);
        if (opts.list) {
          const checks = only(ALL_CHECKS);
          const rows = checks.map((c) => ({
            id: c.id,
            severity: c.severity,
            title: c.title,
            trento: c.trento ?? [],
            why: c.why,
          }));
          if (g.json) io.json(rows);
          else
            io.out(
              renderTable(
                ['ID', 'SEVERITY', 'TRENTO', 'CHECK'],
                rows.map((r) => [r.id, r.severity, r.trento.join(',') || '-', r.title]),
              ),
            );
          return EXIT.ok;
        }
        const path = inventoryPathFor(file ?? g.inventory, env.streams.env, g.lab);
        const loaded = loadForCli(path, io);
        registerSecrets(loaded);
        const inventory = loaded.inventory;
        const catalogue = catalogueFor(inventory);
        if (!catalogue) {
          throw new HavocError(
            'config',
            `${path}: the live checks are for Pacemaker clusters and XenServer / XCP-ng pools; haManager is ${inventory.haManager?.type ?? 'not set'}`,
            { hint: 'set haManager: {type: pacemaker} or {type: xapi, url, user, password}' },
          );
        }
        const checks = only(catalogue);
        if (checks.length === 0) {
          throw new HavocError(
            'usage',
            `--only: ${ids!.join(', ')} not in the catalogue of a ${inventory.haManager!.type} cluster`,
            {
              hint: 'havoc check --list shows every check; those of another HA manager do not apply',
            },
          );
        }
        const ssh = new SshPool();
        try {
          io.progress(`gathering facts from ${inventory.hosts.length} host(s) ...`);
          const { results } = await runLiveChecks(
            checks,
            inventory,
            ssh,
            AbortSignal.timeout(120_000),
            loaded,
          );
          const sorted = [...results].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
          if (g.json) io.json({ file: path, cluster: inventory.cluster.name, results: sorted });
          else {
            io.out(
              renderTable(
                ['STATUS', 'ID', 'SEEN'],
                sorted.map((r) => [r.status, r.id, r.message]),
              ),
            );
            const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
            io.out(
              `\n${path} (cluster ${inventory.cluster.name}): ${count('passing')} passing, ${count('warning')} warning, ${count('critical')} critical, ${count('error')} could not be judged`,
            );
            for (const r of sorted.filter((x) => x.status === 'critical' || x.status === 'warning'))
              io.out(`  ${r.id}: ${r.remediation}`);
          }
          return checkExitCode(results);
        } finally {
          ssh.close();
        }
      }),
    );
}
