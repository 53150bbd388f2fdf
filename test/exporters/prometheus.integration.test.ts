import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedInventory } from '../../inventory/load.js';
import { labDown } from '../../lab/down.js';
import { havoc } from '../cli/run.js';
import { freePort, stderrOf, stopProcess as stop } from '../support/local-processes.js';
import { type PromSample, promQuery } from '../support/prometheus-query.js';
import { tempDir } from '../support/temp-dir.js';
import { bringUpLab, eventually } from './exporter-lab.js';

/*
 * End to end: `havoc exporter serve` (the CLI, as a process) on the lab, and
 * the real Prometheus (Debian package prometheus) configured by the output of
 * `havoc exporter prometheus-config`, scraping every 2 s. Both processes are
 * stopped by PID.
 */

const LAB = 'ex2';
const PROMETHEUS = '/usr/bin/prometheus';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let loaded: LoadedInventory;
let exporterProc: ChildProcess | undefined;
let prometheusProc: ChildProcess | undefined;
let promUrl: string;
let exporterUrl: string;
let work: string;

const query = (promql: string) => promQuery(promUrl, promql);

beforeAll(async () => {
  if (!existsSync(PROMETHEUS))
    throw new Error(`${PROMETHEUS} not found: install the Debian package prometheus`);
  ({ loaded } = await bringUpLab(LAB));
  work = tempDir('havoc-e2e-prom-');

  const exporterPort = await freePort();
  exporterUrl = `http://127.0.0.1:${exporterPort}`;
  exporterProc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/havoc.ts',
      '-i',
      loaded.file,
      'exporter',
      'serve',
      '--listen',
      `127.0.0.1:${exporterPort}`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exporterErr = stderrOf(exporterProc);
  await eventually(
    'the exporter listening',
    async () => exporterErr().includes('listening on'),
    30_000,
  ).catch(() => {
    throw new Error(`havoc exporter serve did not start: ${exporterErr()}`);
  });

  const config = await havoc([
    '-i',
    loaded.file,
    'exporter',
    'prometheus-config',
    '--exporter',
    `127.0.0.1:${exporterPort}`,
    '--scrape-interval',
    '2',
  ]);
  expect(config.code, config.stderr).toBe(0);
  writeFileSync(join(work, 'prometheus.yml'), config.stdout);

  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  prometheusProc = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(work, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(work, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  stderrOf(prometheusProc);
});

afterAll(async () => {
  await stop(prometheusProc);
  await stop(exporterProc);
  if (work) rmSync(work, { recursive: true, force: true });
  await labDown({ name: LAB, env: process.env, signal: AbortSignal.timeout(60_000) });
});

describe('a real Prometheus scrapes the exporter through the generated configuration', () => {
  it('discovers every target from /sd, scrapes them all with up == 1, and PromQL returns the expected series', async () => {
    const inv = loaded.inventory;
    // Whatever modules have collectors (switch and bmc at least), the exporter's /sd says what to expect.
    const groups = (await (await fetch(`${exporterUrl}/sd`)).json()) as {
      targets: string[];
      labels: Record<string, string>;
    }[];
    const probed = groups.flatMap((g) =>
      g.targets.map((t) => `havoc-${g.labels['__meta_havoc_module']}/${t}`),
    );
    expect(probed).toEqual(expect.arrayContaining(inv.hosts.map((h) => `havoc-bmc/${h.name}`)));
    expect(probed).toEqual(expect.arrayContaining(inv.switches.map((s) => `havoc-switch/${s.name}`)));
    const expected = 1 + probed.length;
    type Target = { labels: Record<string, string>; health: string; lastError: string };
    let targets: Target[] = [];
    await eventually(
      'every target scraped and up',
      async () => {
        const res = await fetch(`${promUrl}/api/v1/targets?state=active`).catch(() => undefined);
        if (!res?.ok) return false;
        targets = ((await res.json()) as { data: { activeTargets: Target[] } }).data.activeTargets;
        return targets.length === expected && targets.every((t) => t.health === 'up');
      },
      60_000,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}; targets: ${JSON.stringify(targets)}`);
    });
    expect(targets.map((t) => `${t.labels['job']}/${t.labels['instance']}`).sort()).toEqual(
      [`havoc-exporter/${exporterUrl.replace('http://', '')}`, ...probed].sort(),
    );

    // Samples land in the TSDB a moment after the scrape that made the target healthy.
    let up: PromSample[] = [];
    await eventually('up ingested for every target', async () => {
      up = await query('up');
      return up.length === expected;
    });
    expect(up.every((r) => r.value[1] === '1')).toBe(true);

    const sw = inv.switches[0]!.name;
    const portName = inv.hosts[0]!.nics[0]!.switchPort!.port;
    const operUp = await query(
      `havoc_switch_port_oper_state{job="havoc-switch",state="up"} == 1 and on(instance, ifindex) havoc_switch_port_info{name="${portName}"}`,
    );
    expect(operUp).toHaveLength(1);
    expect(operUp[0]?.metric['instance']).toBe(sw);

    const powered = await query('havoc_bmc_power_state{job="havoc-bmc",state="on"}');
    expect(powered.map((r) => [r.metric['instance'], r.metric['role'], r.value[1]]).sort()).toEqual(
      inv.hosts.map((h) => [h.name, 'ipmi', '1']).sort(),
    );
    // The first scrapes of the host and cluster modules open SSH connections, which on a loaded machine can
    // outlast a 2 s scrape: wait for every module to report up, then name any that never did, with its reason.
    let moduleUp: PromSample[] = [];
    await eventually(
      'havoc_up 1 for every module',
      async () => {
        moduleUp = await query('havoc_up');
        return moduleUp.length === expected - 1 && moduleUp.every((r) => r.value[1] === '1');
      },
      60_000,
    ).catch(() => undefined);
    expect(moduleUp.length).toBe(expected - 1);
    const down = moduleUp.filter((r) => r.value[1] !== '1').map((r) => r.metric['instance']);
    const errors = down.length > 0 ? await query('havoc_scrape_error == 1') : [];
    expect({ down, errors: errors.map((r) => r.metric) }).toEqual({ down: [], errors: [] });
  });
});
