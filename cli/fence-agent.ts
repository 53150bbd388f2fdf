import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { makeDirs } from '../core/make-dirs.js';
import type { AgentEvent } from '../fencers/agent-daemon.js';
import { installFenceHavoc, STONITH_BINDIR, systemPython } from '../fencers/agent-install.js';
import { agentMetadata } from '../fencers/agent-metadata.js';
import { DEFAULT_AGENT_SOCKET } from '../fencers/agent-protocol.js';
import { serveFenceAgent } from '../fencers/agent-serve.js';
import { DEFAULT_SNAPSHOT, writeFenceSnapshot } from '../fencers/agent-snapshot.js';
import { labInventoryFile } from '../inventory/default-inventory.js';
import { secretRefsOf } from '../inventory/secret-refs.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';
import { inventoryPathFor, loadForCli } from './inventory-option.js';

/** One line per request of the resident agent, for its log (stderr). */
function describeAgentEvent(e: AgentEvent): string {
  const what = `request ${e.id} (${e.call.opts.action}${e.call.opts.plug ? ` ${e.call.opts.plug}` : ''})`;
  switch (e.kind) {
    case 'request':
      return `${what}: received, deadline in ${(e.remainingMs / 1000).toFixed(1)} s`;
    case 'abandoned':
      return `${what}: abandoned, nothing more is sent to any device: ${e.reason}`;
    case 'answered':
      return `${what}: answered, exit code ${e.code}`;
  }
}

export function fenceAgentCommand(env: CommandEnv): Command {
  const cmd = new Command('fence-agent').description(
    'the fence-agents compatible fence_havoc, for Pacemaker (stonith:fence_havoc)',
  );
  cmd
    .command('install')
    .description(
      `write the fence_havoc wrapper where pacemaker-fenced looks for agents (${STONITH_BINDIR}), and a validated snapshot of the inventory for it`,
    )
    .option('--path <file>', 'where to write it', join(STONITH_BINDIR, 'fence_havoc'))
    .option(
      '--snapshot <file>',
      'where to write the snapshot fence_havoc reads instead of validating the inventory at every fence',
      DEFAULT_SNAPSHOT,
    )
    .option('--no-snapshot', 'write no snapshot: fence_havoc loads and validates the inventory every time')
    .action(
      env.run((opts: { path: string; snapshot: string | false }, sub: Command) => {
        const g = env.globals(sub);
        const io = env.io(g);
        const explicit = g.inventory ?? (g.lab ? labInventoryFile(g.lab, env.streams.env) : undefined);
        let inventory = explicit ? resolve(explicit) : undefined;
        let snapshot: string | undefined;
        if (opts.snapshot !== false) {
          // The snapshot is of one file: the wrapper then names that file.
          inventory = resolve(inventoryPathFor(g.inventory, env.streams.env, g.lab));
          const loaded = loadForCli(inventory, io);
          snapshot = resolve(opts.snapshot);
          makeDirs(dirname(snapshot), 'the snapshot folder', 0o700);
          writeFenceSnapshot(snapshot, loaded, secretRefsOf(loaded.inventory));
        }
        const path = installFenceHavoc(opts.path, { inventory, snapshot });
        const warning = systemPython()
          ? undefined
          : 'no /usr/bin/python3 (or /usr/libexec/platform-python): fence_havoc cannot hand requests to a resident agent (`havoc fence-agent serve`) and starts Node for every operation';
        if (warning && !g.json) io.err(`warning: ${warning}`);
        if (g.json)
          io.json({
            installed: path,
            inventory: inventory ?? null,
            snapshot: snapshot ?? null,
            warning: warning ?? null,
          });
        else
          io.out(
            `installed ${path}${inventory ? ` (inventory ${inventory})` : ''}${snapshot ? `\nsnapshot ${snapshot}: run this again after every change of the inventory (fence_havoc warns and loads it in full until then)` : ''}`,
          );
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
        const inventory = g.inventory ?? (g.lab ? labInventoryFile(g.lab, env.streams.env) : undefined);
        const server = await serveFenceAgent(
          opts.socket,
          env.streams.env,
          inventory ? resolve(inventory) : undefined,
          (e) => io.err(describeAgentEvent(e)),
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
