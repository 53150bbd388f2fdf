import { join } from 'node:path';
import { Command } from 'commander';
import { installFenceHavoc, STONITH_BINDIR } from '../fencers/agent-install.js';
import { agentMetadata } from '../fencers/agent-metadata.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';

export function fenceAgentCommand(env: CommandEnv): Command {
  const cmd = new Command('fence-agent').description(
    'the fence-agents compatible fence_havoc, for Pacemaker (stonith:fence_havoc)',
  );
  cmd
    .command('install')
    .description(`write the fence_havoc wrapper where pacemaker-fenced looks for agents (${STONITH_BINDIR})`)
    .option('--path <file>', 'where to write it', join(STONITH_BINDIR, 'fence_havoc'))
    .action(
      env.run((opts: { path: string }, sub: Command) => {
        const g = env.globals(sub);
        const io = env.io(g);
        const path = installFenceHavoc(opts.path, g.inventory);
        if (g.json) io.json({ installed: path, inventory: g.inventory ?? null });
        else io.out(`installed ${path}${g.inventory ? ` (inventory ${g.inventory})` : ''}`);
        return EXIT.ok;
      }),
    );
  cmd
    .command('metadata')
    .description('print the agent metadata XML that Pacemaker reads')
    .action(
      env.run((_opts: unknown, sub: Command) => {
        env.io(env.globals(sub)).out(agentMetadata());
        return EXIT.ok;
      }),
    );
  return cmd;
}
