import { stringify } from 'yaml';
import type { Inventory } from '../../inventory/schema.js';
import { haVms } from '../../suites/steady-state/check.js';

export interface MigrationPlan {
  /** The suite file's text, run by the suite runner like any suite. */
  yaml: string;
  /** Step name -> the line id its verdicts go to. */
  lineOf: Record<string, string>;
  /** VMs that could not be migrated (not running): an inconclusive line each. */
  notRunning: string[];
}

export const MIGRATION_SUITE = 'certify-live-migration';

/**
 * A suite of `live-migrate` steps, one VM at a time: every HA VM migrated
 * away from where it runs and back to the node it was found on (one
 * already elsewhere, after the fencing and the failure suite, is only
 * migrated back), each with its service downtime and migration time judged
 * against the inventory's SLOs. So the migrations are measured by the same
 * probes and verdicts as any suite, and the VMs end where they were found.
 */
export function migrationSuite(
  inv: Inventory,
  now: Readonly<Record<string, readonly string[]>>,
  found: Readonly<Record<string, readonly string[]>>,
): MigrationPlan {
  const steps: Record<string, unknown>[] = [];
  const lineOf: Record<string, string> = {};
  const notRunning: string[] = [];
  const expect = (vm: string) => [{ maxServiceDowntime: { vm } }, { migratedWithin: { vm } }];
  for (const vm of haVms(inv)) {
    const at = now[vm.name]?.[0];
    const home = found[vm.name]?.[0] ?? at;
    if (!at || !home) {
      notRunning.push(vm.name);
      continue;
    }
    if (at === home) {
      const away = `live migration of ${vm.name} from ${home}`;
      steps.push({
        name: away,
        fault: 'live-migrate',
        params: { vm: vm.name },
        hold: '2s',
        expect: expect(vm.name),
      });
      lineOf[away] = `migrate.${vm.name}`;
      const back = `live migration of ${vm.name} back to ${home}`;
      steps.push({
        name: back,
        fault: 'live-migrate',
        params: { vm: vm.name, to: home },
        hold: '2s',
        expect: expect(vm.name),
      });
      lineOf[back] = `migrate.${vm.name}.back`;
    } else {
      const back = `live migration of ${vm.name} from ${at} back to ${home}`;
      steps.push({
        name: back,
        fault: 'live-migrate',
        params: { vm: vm.name, to: home },
        hold: '2s',
        expect: expect(vm.name),
      });
      lineOf[back] = `migrate.${vm.name}`;
    }
  }
  const yaml = stringify({
    version: 1,
    name: MIGRATION_SUITE,
    description: 'every HA VM live-migrated, one at a time, and back to the node it was found on',
    steps,
  });
  return { yaml, lineOf, notRunning };
}
