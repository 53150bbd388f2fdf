/**
 * Fencing side by side, against the same lab BMCs and switch in one run:
 *   - time to a verified off: havoc (in-process and as the fence_havoc
 *     program) vs `fence_ipmilan --lanplus --cipher=3 -o off` vs
 *     `ipmitool -C 3 chassis power off` + polling status;
 *   - switch-port fencing: havoc (verified through ifOperStatus) vs fence_ifmib;
 *   - dead-BMC detection: havoc vs fence_ipmilan.
 * Run as root: node --import tsx bench/fence/run.ts [--runs N]
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
import { fmtMs, markdownTable, median, timed } from '../support/stats.js';

const run = promisify(execFile);
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const LAB = 'bfence';
const env = process.env;
const log = pino({ level: 'silent' });

interface Bmc {
  address: string;
  port: number;
  user: string;
  password: string;
}

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
      add(
        'fence_havoc',
        await timed(() =>
          run('node', [
            'dist/fencers/fence_havoc.js',
            '--action',
            'off',
            '--plug',
            host.name,
            '--inventory',
            up.inventory,
            '--level',
            '1',
          ]),
        ),
      );
      await powerOn(bmc);
      add(
        'fence_havoc-resident',
        await timed(() =>
          run(
            'node',
            [
              'dist/fencers/fence_havoc.js',
              '--action',
              'off',
              '--plug',
              host.name,
              '--inventory',
              up.inventory,
              '--level',
              '1',
            ],
            { env: { ...env, HAVOC_FENCE_AGENT_SOCKET: agentSocket } },
          ),
        ),
      );
      await powerOn(bmc);
      add(
        'fence_ipmilan',
        await timed(() =>
          run('fence_ipmilan', [
            '--lanplus',
            '--cipher=3',
            '-a',
            bmc.address,
            '-u',
            String(bmc.port),
            '-l',
            bmc.user,
            '-p',
            bmc.password,
            '-o',
            'off',
          ]),
        ),
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
      add(
        'fence_ifmib',
        await timed(() =>
          run('fence_ifmib', [
            '--ip',
            sw.address,
            '--community',
            community,
            '--snmp-version',
            '2c',
            '-n',
            storagePort,
            '-o',
            'off',
          ]),
        ),
      );
      await run('fence_ifmib', [
        '--ip',
        sw.address,
        '--community',
        community,
        '--snmp-version',
        '2c',
        '-n',
        storagePort,
        '-o',
        'on',
      ]);
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
        await timed(() =>
          run('fence_ipmilan', [
            '--lanplus',
            '--cipher=3',
            '-a',
            dead.address,
            '-u',
            String(dead.port),
            '-l',
            dead.user,
            '-p',
            dead.password,
            '-o',
            'status',
          ]).catch(() => undefined),
        ),
      );
    }

    const m = (k: string) => median(t[k] ?? []);
    const ratio = (a: string, b: string) => `${(m(b) / m(a)).toFixed(1)}x`;
    process.stdout.write(
      `${markdownTable(
        ['what', 'havoc', "today's tool", 'median (today)', 'ratio'],
        [
          [
            'IPMI off to verified off (in-process)',
            fmtMs(m('havoc')),
            'fence_ipmilan --lanplus --cipher=3 -o off',
            fmtMs(m('fence_ipmilan')),
            ratio('havoc', 'fence_ipmilan'),
          ],
          [
            'IPMI off, as a program (fence_havoc)',
            fmtMs(m('fence_havoc')),
            'fence_ipmilan --lanplus --cipher=3 -o off',
            fmtMs(m('fence_ipmilan')),
            ratio('fence_havoc', 'fence_ipmilan'),
          ],
          [
            'IPMI off, fence_havoc handing over to a resident agent (havoc fence-agent serve)',
            fmtMs(m('fence_havoc-resident')),
            'fence_ipmilan --lanplus --cipher=3 -o off',
            fmtMs(m('fence_ipmilan')),
            ratio('fence_havoc-resident', 'fence_ipmilan'),
          ],
          [
            'IPMI off to verified off (in-process)',
            fmtMs(m('havoc')),
            'ipmitool -C 3 power off + status polls',
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
            'dead BMC reported',
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
