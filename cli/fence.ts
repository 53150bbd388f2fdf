import { Command, Option } from 'commander';
import { HavocError } from '../core/errors.js';
import { closeFenceContext, createFenceContext } from '../fencers/context.js';
import { describeFenceResult } from '../fencers/describe-result.js';
import { fenceHost } from '../fencers/fence-host.js';
import { FENCE_ACTIONS, type FenceAction } from '../fencers/result.js';
import { hostByName } from '../inventory/topology.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';
import { inventoryPathFor, loadForCli } from './inventory-option.js';

interface FenceOpts {
  level?: string;
  method: 'onoff' | 'cycle';
  timeout?: string;
}

export function fenceCommand(env: CommandEnv): Command {
  return new Command('fence')
    .description(
      'fence a host through its topology (BMC, switch ports, ...) and report only what was seen (exit 1 on failure)',
    )
    .argument('<host>', 'host name from the inventory')
    .addArgument(new Command().createArgument('<action>', 'what to do').choices(FENCE_ACTIONS))
    .option('--level <n>', 'use only this fencing level (1-based)')
    .addOption(new Option('--method <method>', 'reboot method').choices(['onoff', 'cycle']).default('onoff'))
    .option('--timeout <seconds>', "deadline per device (default: the host's fencing.timeoutSeconds)")
    .action(
      env.run(async (hostName: string, action: FenceAction, opts: FenceOpts, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const loaded = loadForCli(inventoryPathFor(g.inventory, env.streams.env, g.lab), io);
        const host = hostByName(loaded.inventory, hostName);
        if (!host) {
          throw new HavocError('usage', `no host "${hostName}" in ${loaded.file}`, {
            hint: `one of ${loaded.inventory.hosts.map((h) => h.name).join(', ')}`,
          });
        }
        const level = opts.level === undefined ? undefined : Number(opts.level);
        if (level !== undefined && !Number.isInteger(level))
          throw new HavocError('usage', `--level takes a whole number, not "${opts.level}"`);
        const timeout = opts.timeout === undefined ? undefined : Number(opts.timeout);
        if (timeout !== undefined && !(timeout > 0))
          throw new HavocError('usage', `--timeout takes seconds > 0, not "${opts.timeout}"`);
        io.progress(`${action} ${hostName} ...`);
        const ctx = createFenceContext(loaded, io.log, timeout === undefined ? undefined : timeout * 1000);
        const result = await fenceHost(host, action, ctx, {
          method: opts.method,
          ...(level !== undefined ? { level } : {}),
        }).finally(() => closeFenceContext(ctx));
        if (g.json) io.json(result);
        else io.out(describeFenceResult(result).join('\n'));
        return result.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
