import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { DEFAULT_AGENT_SOCKET } from '../fencers/agent-daemon.js';
import { installFenceHavoc, STONITH_BINDIR } from '../fencers/agent-install.js';
import { agentMetadata } from '../fencers/agent-metadata.js';
import { serveFenceAgent } from '../fencers/agent-serve.js';
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
    .command('serve')
    .description(
      'keep a warm fence agent that fence_havoc hands its requests to (a new process per fence is mostly start-up)',
    )
    .option(
      '--socket <path>',
      'unix socket (mode 0600) fence_havoc connects to ($HAVOC_FENCE_AGENT_SOCKET)',
      DEFAULT_AGENT_SOCKET,
    )
    .action(
      env.run(async (opts: { socket: string }, sub: Command) => {
        const g = env.globals(sub);
        const io = env.io(g);
        const server = await serveFenceAgent(
          opts.socket,
          env.streams.env,
          g.inventory ? resolve(g.inventory) : undefined,
        );
        io.err(`fence agent listening on ${server.socket}`);
        await new Promise<void>((done) => {
          process.once('SIGTERM', done);
          process.once('SIGINT', done);
        });
        await server.close();
        io.err(`fence agent stopped after ${server.served()} request(s)`);
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
