/**
 * Fencing side by side, against the same lab BMCs and switch in one run:
 *   - time to a verified off: havoc in-process; fence_havoc as Pacemaker runs
 *     it (the wrapper `havoc fence-agent install` writes, a new process,
 *     options on stdin), alone and handing over to a resident agent;
 *     fence_ipmilan with its default power_wait=2 and tuned (power_wait=0);
 *     `ipmitool -C 3 chassis power off` + polling status;
 *   - switch-port fencing: havoc (verified through ifOperStatus) vs fence_ifmib;
 *   - dead-BMC detection: havoc vs fence_ipmilan (their configured timeouts).
 * Secrets go to the other tools on stdin (fence-agents options) or in the
 * environment (ipmitool -E), never in their argument lists.
 * Run as root: node --import tsx bench/fence/run.ts [--runs N] [--name LAB]
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { Redactor } from '../../core/redact.js';
import { serveFenceAgent } from '../../fencers/agent-serve.js';
import { createFenceContext } from '../../fencers/context.js';
import { fenceHost } from '../../fencers/fence-host.js';
import { loadInventory } from '../../inventory/load.js';
import { labDown } from '../../lab/down.js';
import { labUp } from '../../lab/up.js';
import { benchArgs, positiveNumber } from '../support/args.js';
import { fmtMs, markdownTable, median, timed } from '../support/stats.js';

const run = promisify(execFile);
const USAGE =
  'node --import tsx bench/fence/run.ts [--runs 5] [--name bfence]   (as root: builds and removes a 2-host lab)';
const values = benchArgs(USAGE, {
  runs: { type: 'string', default: '5' },
  name: { type: 'string', default: 'bfence' },
});
const runs = positiveNumber(values.runs, '--runs', USAGE);
const LAB = values.name;
const env = process.env;
const log = pino({ level: 'silent' });

interface Bmc {
  address: string;
  port: number;
  user: string;
  password: string;
}

/** A fence agent as pacemaker-fenced runs it: key=value options on stdin, nothing secret in argv. */
async function fenceAgent(
  program: string,
  options: Record<string, string>,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  const child = run(program, [], { env: { ...env, ...extraEnv } });
  child.child.stdin?.end(
    Object.entries(options)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  return child;
}

/** fence_ipmilan's options for the lab BMC (it still hands the password to ipmitool with -P itself). */
const ipmilan = (bmc: Bmc, action: string, extra: Record<string, string> = {}) => ({
  ip: bmc.address,
  ipport: String(bmc.port),
  username: bmc.user,
  password: bmc.password,
  lanplus: '1',
  cipher: '3',
  action,
  ...extra,
});

async function ipmitool(bmc: Bmc, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    'ipmitool',
    ['-I', 'lanplus', '-C', '3', '-H', bmc.address, '-p', String(bmc.port), '-U', bmc.user, '-E', ...args],
    { env: { ...env, IPMI_PASSWORD: bmc.password } },
  );
  return stdout;
}

async function powerOn(bmc: Bmc): Promise<void> {
  await ipmitool(bmc, 'chassis', 'power', 'on');
  for (let i = 0; i < 100; i++) {
    if ((await ipmitool(bmc, 'chassis', 'power', 'status')).includes('is on')) return;
  }
  throw new Error('host did not come back on');
}

async function main(): Promise<void> {
  const redactor = new Redactor();
  const up = await labUp({
    name: LAB,
    hosts: 2,
    volumes: 1,
    recreate: true,
    env,
    signal: AbortSignal.timeout(120_000),
    redactor,
    progress: () => {},
  });
  try {
    const loaded = loadInventory(up.inventory, redactor);
    const inv = loaded.inventory;
    const host = inv.hosts[0]!;
    if (host.bmc?.type !== 'ipmi') throw new Error('lab host without IPMI BMC');
    const bmc: Bmc = {
      address: host.bmc.address,
      port: host.bmc.port,
      user: host.bmc.user,
      password: loaded.secrets.resolve(host.bmc.password, 'bmc'),
    };
    const sw = inv.switches[0]!;
    if (sw.snmp.version !== '2c') throw new Error('lab switch without v2c');
    const community = loaded.secrets.resolve(sw.snmp.writeCommunity ?? sw.snmp.community, 'community');
    const storagePort = host.nics.find((n) => n.networks.includes('storage'))!.switchPort!.port;

    // An inventory whose level 2 is exactly the one port fence_ifmib is given.
    const raw = parse(readFileSync(up.inventory, 'utf8')) as { hosts: { fencing: { levels: unknown[] } }[] };
    raw.hosts[0]!.fencing.levels[1] = {
      devices: [{ type: 'switch-ports', ports: [{ switch: sw.name, port: storagePort }] }],
    };
    const onePort = join(up.stateDir, 'inventory-bench.yaml');
    writeFileSync(onePort, stringify(raw));
    const onePortLoaded = loadInventory(onePort, redactor);

    const t: Record<string, number[]> = {};
    const add = (k: string, ms: number) => {
      t[k] ??= [];
      t[k]!.push(ms);
    };
    const agentSocket = join(up.stateDir, 'fence-agent.sock');
    const agent = await serveFenceAgent(agentSocket, env);
    // fence_havoc as installed for Pacemaker: the wrapper, the bundled program, the sealed snapshot.
    const wrapper = join(up.stateDir, 'fence_havoc');
    await run('node', [
      'dist/cli/havoc.js',
      '-i',
      up.inventory,
      'fence-agent',
      'install',
      '--path',
      wrapper,
      '--snapshot',
      join(up.stateDir, 'fence_havoc.snapshot.json'),
    ]);
    const fenceHavoc = (socket: string) =>
      fenceAgent(
        wrapper,
        { action: 'off', plug: host.name, level: '1' },
        { HAVOC_FENCE_AGENT_SOCKET: socket },
      );
    process.stderr.write(`bench: ${runs} runs each against lab ${LAB}\n`);
    for (let i = 0; i < runs; i++) {
      const ctx = createFenceContext(loaded, log);
      add(
        'havoc',
        await timed(async () => {
          const r = await fenceHost(host, 'off', ctx, { level: 1 });
          if (!r.ok) throw new Error(r.error);
        }),
      );
      await powerOn(bmc);
      add('fence_havoc', await timed(() => fenceHavoc(join(up.stateDir, 'no-agent.sock'))));
      await powerOn(bmc);
      add('fence_havoc-resident', await timed(() => fenceHavoc(agentSocket)));
      await powerOn(bmc);
      add('fence_ipmilan', await timed(() => fenceAgent('fence_ipmilan', ipmilan(bmc, 'off'))));
      await powerOn(bmc);
      add(
        'fence_ipmilan-tuned',
        await timed(() => fenceAgent('fence_ipmilan', ipmilan(bmc, 'off', { power_wait: '0' }))),
      );
      await powerOn(bmc);
      add(
        'ipmitool',
        await timed(async () => {
          await ipmitool(bmc, 'chassis', 'power', 'off');
          while (!(await ipmitool(bmc, 'chassis', 'power', 'status')).includes('is off'));
        }),
      );
      await powerOn(bmc);

      const portCtx = createFenceContext(onePortLoaded, log);
      add(
        'havoc-port',
        await timed(async () => {
          const r = await fenceHost(onePortLoaded.inventory.hosts[0]!, 'off', portCtx, { level: 2 });
          if (!r.ok) throw new Error(r.error);
        }),
      );
      await fenceHost(onePortLoaded.inventory.hosts[0]!, 'on', portCtx, { level: 2 });
      const ifmib = (action: string) =>
        fenceAgent('fence_ifmib', {
          ip: sw.address,
          community,
          snmp_version: '2c',
          plug: storagePort,
          action,
        });
      add('fence_ifmib', await timed(() => ifmib('off')));
      await ifmib('on');
    }

    // Dead BMC: nothing listens on this port.
    const dead = { ...bmc, port: 1 };
    const deadRaw = parse(readFileSync(up.inventory, 'utf8')) as {
      hosts: { bmc: { port: number }; fencing: { levels: unknown[] } }[];
    };
    deadRaw.hosts[0]!.bmc.port = dead.port;
    deadRaw.hosts[0]!.fencing.levels = [deadRaw.hosts[0]!.fencing.levels[0]];
    const deadFile = join(up.stateDir, 'inventory-dead.yaml');
    writeFileSync(deadFile, stringify(deadRaw));
    const deadLoaded = loadInventory(deadFile, redactor);
    for (let i = 0; i < Math.min(runs, 3); i++) {
      add(
        'havoc-dead',
        await timed(() =>
          fenceHost(deadLoaded.inventory.hosts[0]!, 'status', createFenceContext(deadLoaded, log, 3000)),
        ),
      );
      add(
        'fence_ipmilan-dead',
        await timed(() => fenceAgent('fence_ipmilan', ipmilan(dead, 'status')).catch(() => undefined)),
      );
    }

    const m = (k: string) => median(t[k] ?? []);
    const ratio = (a: string, b: string) => `${(m(b) / m(a)).toFixed(1)}x`;
    const ipmiRows = (what: string, key: string) => [
      [
        what,
        fmtMs(m(key)),
        'fence_ipmilan -o off (default power_wait=2)',
        fmtMs(m('fence_ipmilan')),
        ratio(key, 'fence_ipmilan'),
      ],
      [
        what,
        fmtMs(m(key)),
        'fence_ipmilan -o off, power_wait=0',
        fmtMs(m('fence_ipmilan-tuned')),
        ratio(key, 'fence_ipmilan-tuned'),
      ],
    ];
    process.stdout.write(
      `${markdownTable(
        ['what', 'havoc', "today's tool", 'median (today)', 'ratio'],
        [
          ...ipmiRows(
            'IPMI off to verified off, fence_havoc alone (new process, options on stdin, snapshot)',
            'fence_havoc',
          ),
          ...ipmiRows('the same, fence_havoc handing over to a resident agent', 'fence_havoc-resident'),
          ...ipmiRows('IPMI off to verified off, in-process (havoc fence, the exporter)', 'havoc'),
          [
            'IPMI off to verified off, in-process',
            fmtMs(m('havoc')),
            'ipmitool -C 3 power off + status polls (processes)',
            fmtMs(m('ipmitool')),
            ratio('havoc', 'ipmitool'),
          ],
          [
            'switch port off, verified via ifOperStatus',
            fmtMs(m('havoc-port')),
            'fence_ifmib -o off (admin state only)',
            fmtMs(m('fence_ifmib')),
            ratio('havoc-port', 'fence_ifmib'),
          ],
          [
            'dead BMC reported (configured timeouts: havoc 3 s, fence_ipmilan its retries)',
            fmtMs(m('havoc-dead')),
            'fence_ipmilan -o status',
            fmtMs(m('fence_ipmilan-dead')),
            ratio('havoc-dead', 'fence_ipmilan-dead'),
          ],
        ],
      )}\n`,
    );
    process.stdout.write(`(medians of ${runs} runs; dead BMC: ${Math.min(runs, 3)} runs)\n`);
    await agent.close();
  } finally {
    await labDown({ name: LAB, env, signal: AbortSignal.timeout(60_000) });
  }
}

await main();
