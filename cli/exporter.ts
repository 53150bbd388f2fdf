import { Command } from 'commander';
import { HavocError } from '../core/errors.js';
import { DEFAULT_LISTEN, parseListenAddress } from '../core/listen-address.js';
import { renderCatalogue } from '../exporters/catalogue.js';
import type { CollectContext, ProbeModule } from '../exporters/collector.js';
import { COLLECTORS } from '../exporters/collectors/index.js';
import { prometheusConfig } from '../exporters/prometheus-config.js';
import { sdGroups } from '../exporters/sd.js';
import { startExporter } from '../exporters/server.js';
import { hashPassword, loadWebConfig } from '../exporters/web-config.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';
import { inventoryPathFor, loadForCli } from './inventory-option.js';

interface ServeOpts {
  listen: string;
  webConfig?: string;
}

interface ConfigOpts {
  exporter: string;
  static: boolean;
  scrapeInterval: string;
  webConfig?: string;
  caFile?: string;
  serverName?: string;
  basicAuthUser?: string;
  basicAuthPasswordFile?: string;
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      text += d;
    });
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

export function exporterCommand(env: CommandEnv): Command {
  const cmd = new Command('exporter').description(
    'Prometheus exporter: host, switch, bmc and cluster modules behind one multi-target /probe endpoint',
  );

  cmd
    .command('serve')
    .description('serve /probe, /sd and /metrics until interrupted (SIGINT/SIGTERM)')
    .option('--listen <host:port>', 'address to listen on', DEFAULT_LISTEN)
    .option('--web-config <file>', 'TLS and basic auth, in the format of Prometheus exporter-toolkit')
    .action(
      env.run(async (opts: ServeOpts, sub: Command) => {
        const g = env.globals(sub);
        const io = env.io(g);
        const loaded = loadForCli(inventoryPathFor(g.inventory, env.streams.env, g.lab), io);
        const listen = parseListenAddress(opts.listen);
        const webConfig = opts.webConfig ? loadWebConfig(opts.webConfig) : undefined;
        const exporter = await startExporter({
          loaded,
          collectors: COLLECTORS,
          listen,
          log: io.log,
          ...(webConfig ? { webConfig } : {}),
        });
        io.err(
          `havoc exporter: listening on ${exporter.url} (cluster ${loaded.inventory.cluster.name}, ${loaded.file})`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await exporter.close();
        return EXIT.ok;
      }),
    );

  cmd
    .command('prometheus-config')
    .description('print a Prometheus scrape configuration (YAML) for the exporter: one job per module')
    .option('--exporter <host:port>', 'where Prometheus reaches the exporter', DEFAULT_LISTEN)
    .option('--static', 'list the targets in static_configs instead of discovering them from /sd', false)
    .option('--scrape-interval <seconds>', 'scrape_interval; scrape timeouts are capped to it', '30')
    .option(
      '--web-config <file>',
      "the exporter's web config: https when it has TLS, basic auth when it has users",
    )
    .option('--ca-file <file>', 'CA that signed the exporter certificate (https)')
    .option('--server-name <name>', 'name to verify in the exporter certificate (https)')
    .option('--basic-auth-user <user>', 'user for basic auth (default: the only user of the web config)')
    .option('--basic-auth-password-file <file>', 'file with the basic auth password, for Prometheus to read')
    .action(
      env.run((opts: ConfigOpts, sub: Command) => {
        const g = env.globals(sub);
        const io = env.io(g);
        const loaded = loadForCli(inventoryPathFor(g.inventory, env.streams.env, g.lab), io);
        parseListenAddress(opts.exporter);
        const interval = Number(opts.scrapeInterval);
        if (!(interval >= 1)) {
          throw new HavocError('usage', `--scrape-interval takes seconds >= 1, not "${opts.scrapeInterval}"`);
        }
        const web = opts.webConfig ? loadWebConfig(opts.webConfig) : undefined;
        const users = [...(web?.users?.keys() ?? [])];
        const user = opts.basicAuthUser ?? (users.length === 1 ? users[0] : undefined);
        if ((users.length > 0 || opts.basicAuthUser) && !(user && opts.basicAuthPasswordFile)) {
          throw new HavocError(
            'usage',
            'the exporter requires basic auth: Prometheus needs a user and a password file',
            {
              hint: `pass --basic-auth-password-file FILE${users.length > 1 ? ` and --basic-auth-user (one of ${users.join(', ')})` : ''}`,
            },
          );
        }
        const https = web?.tls !== undefined || opts.caFile !== undefined;
        const ctx: CollectContext = {
          loaded,
          log: io.log,
          cache: new Map(),
          signal: new AbortController().signal,
        };
        const groups = sdGroups(COLLECTORS, ctx);
        const modules = [...new Set(groups.map((gr) => gr.labels['__meta_havoc_module'] as ProbeModule))];
        const staticTargets = new Map<ProbeModule, string[]>();
        for (const gr of groups) {
          const m = gr.labels['__meta_havoc_module'] as ProbeModule;
          staticTargets.set(m, [...(staticTargets.get(m) ?? []), ...gr.targets]);
        }
        io.out(
          prometheusConfig({
            exporter: opts.exporter,
            cluster: loaded.inventory.cluster.name,
            modules,
            scrapeIntervalSeconds: interval,
            ...(opts.static ? { staticTargets } : {}),
            ...(https
              ? {
                  https: {
                    ...(opts.caFile ? { caFile: opts.caFile } : {}),
                    ...(opts.serverName ? { serverName: opts.serverName } : {}),
                  },
                }
              : {}),
            ...(user && opts.basicAuthPasswordFile
              ? { basicAuth: { username: user, passwordFile: opts.basicAuthPasswordFile } }
              : {}),
          }),
        );
        return EXIT.ok;
      }),
    );

  cmd
    .command('catalogue')
    .description('print the metric catalogue (Markdown; docs/metrics.md is this output)')
    .action(
      env.run((_opts: object, sub: Command) => {
        env.io(env.globals(sub)).out(renderCatalogue(COLLECTORS));
        return EXIT.ok;
      }),
    );

  cmd
    .command('hash-password')
    .description('read a password on stdin, print its bcrypt hash for basic_auth_users in the web config')
    .action(
      env.run(async (_opts: object, sub: Command) => {
        const password = (await readStdin()).replace(/\r?\n$/, '');
        if (password === '')
          throw new HavocError('usage', 'no password on stdin', {
            hint: 'echo -n SECRET | havoc exporter hash-password',
          });
        env.io(env.globals(sub)).out(await hashPassword(password));
        return EXIT.ok;
      }),
    );
  return cmd;
}
