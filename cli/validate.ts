import { Command } from 'commander';
import { formatPath } from '../inventory/yaml-source.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';
import { inventoryPathFor, loadForCli } from './inventory-option.js';

export function validateCommand(env: CommandEnv): Command {
  return new Command('validate')
    .description(
      'check that an inventory file is well-formed: schema, references, unknown keys (exit 3 if not)',
    )
    .argument('[file]', "inventory YAML (default: --inventory, $HAVOC_INVENTORY, or the lab's)")
    .action(
      env.run((file: string | undefined, _opts, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const path = inventoryPathFor(file ?? g.inventory, env.streams.env, g.lab);
        const loaded = loadForCli(path, io);
        const inv = loaded.inventory;
        const summary = {
          file: path,
          valid: true,
          cluster: inv.cluster.name,
          hosts: inv.hosts.length,
          switches: inv.switches.length,
          networks: inv.networks.length,
          storage: inv.storage.length,
          vms: inv.vms.length,
          haManager: inv.haManager?.type ?? null,
        };
        if (g.json) io.json(summary);
        else
          io.out(
            `${path}: valid (${formatPath(['cluster'])} ${inv.cluster.name}: ${inv.hosts.length} hosts, ${inv.switches.length} switches, ${inv.networks.length} networks, ${inv.storage.length} storage, ${inv.vms.length} VMs, HA manager ${inv.haManager?.type ?? 'none'})`,
          );
        return EXIT.ok;
      }),
    );
}
