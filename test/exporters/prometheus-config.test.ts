import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hashPassword } from '../../exporters/web-config.js';
import { havoc } from '../cli/run.js';
import { inventory, load } from '../inventory/build.js';
import { tempDir } from '../support/temp-dir.js';

/* The generated configuration is checked by the real promtool (Debian package prometheus). */

const run = promisify(execFile);
const loaded = load(inventory());

async function promtoolCheck(yamlText: string): Promise<string> {
  const dir = tempDir('havoc-promcfg-');
  const file = join(dir, 'prometheus.yml');
  writeFileSync(file, yamlText);
  try {
    const { stdout, stderr } = await run('promtool', ['check', 'config', file]);
    return stdout + stderr;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: install the Debian package prometheus');
    throw new Error(`promtool rejected the config: ${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

interface Job {
  job_name: string;
  metrics_path?: string;
  params?: Record<string, string[]>;
  scrape_timeout?: string;
  scheme?: string;
  http_sd_configs?: { url: string; basic_auth?: unknown }[];
  static_configs?: { targets: string[] }[];
  relabel_configs?: Record<string, unknown>[];
  basic_auth?: { username: string; password_file: string };
}

describe('havoc exporter prometheus-config', () => {
  it('prints one job per module with the multi-target relabelling and /sd discovery; promtool accepts it', async () => {
    const r = await havoc([
      '-i',
      loaded.file,
      'exporter',
      'prometheus-config',
      '--exporter',
      '127.0.0.1:9700',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const jobs = (parse(r.stdout) as { scrape_configs: Job[] }).scrape_configs;
    // One job per module that has collectors and targets (host and cluster too once they are listed).
    expect(jobs[0]?.job_name).toBe('havoc-exporter');
    expect(jobs.map((j) => j.job_name)).toEqual(expect.arrayContaining(['havoc-switch', 'havoc-bmc']));
    const bmc = jobs.find((j) => j.job_name === 'havoc-bmc')!;
    expect(bmc.metrics_path).toBe('/probe');
    expect(bmc.params).toEqual({ module: ['bmc'] });
    expect(bmc.scrape_timeout).toBe('10s');
    expect(bmc.http_sd_configs?.[0]?.url).toBe('http://127.0.0.1:9700/sd?module=bmc');
    expect(bmc.relabel_configs).toEqual([
      { source_labels: ['__address__'], target_label: '__param_target' },
      { source_labels: ['__param_target'], target_label: 'instance' },
      { source_labels: ['__meta_havoc_role'], target_label: 'role' },
      { target_label: 'cluster', replacement: 'test' },
      { target_label: '__address__', replacement: '127.0.0.1:9700' },
    ]);
    expect(await promtoolCheck(r.stdout)).toMatch(/SUCCESS/);
  });

  it('--static lists the targets; the scrape timeout never exceeds the interval', async () => {
    const r = await havoc([
      '-i',
      loaded.file,
      'exporter',
      'prometheus-config',
      '--static',
      '--scrape-interval',
      '5',
    ]);
    expect(r.code).toBe(0);
    const jobs = (parse(r.stdout) as { scrape_configs: Job[] }).scrape_configs;
    const sw = jobs.find((j) => j.job_name === 'havoc-switch')!;
    expect(sw.static_configs?.[0]?.targets).toEqual(['sw1', 'sw2']);
    expect(sw.scrape_timeout).toBe('5s');
    expect(await promtoolCheck(r.stdout)).toMatch(/SUCCESS/);
  });

  it('with a web config: https and basic auth on every job and on /sd; refuses to guess a missing password file', async () => {
    const dir = tempDir('havoc-promcfg-web-');
    writeFileSync(join(dir, 'tls.crt'), 'x');
    writeFileSync(join(dir, 'tls.key'), 'x');
    writeFileSync(join(dir, 'pw'), 'secret\n');
    writeFileSync(join(dir, 'ca.crt'), 'x');
    const web = join(dir, 'web.yml');
    writeFileSync(
      web,
      `tls_server_config: {cert_file: tls.crt, key_file: tls.key}\nbasic_auth_users:\n  prom: '${await hashPassword('secret')}'\n`,
    );
    const missing = await havoc(['-i', loaded.file, 'exporter', 'prometheus-config', '--web-config', web]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--basic-auth-password-file');
    const r = await havoc([
      '-i',
      loaded.file,
      'exporter',
      'prometheus-config',
      '--web-config',
      web,
      '--basic-auth-password-file',
      join(dir, 'pw'),
      '--ca-file',
      join(dir, 'ca.crt'),
    ]);
    expect(r.code).toBe(0);
    const jobs = (parse(r.stdout) as { scrape_configs: Job[] }).scrape_configs;
    for (const job of jobs) {
      expect(job.scheme).toBe('https');
      expect(job.basic_auth).toEqual({ username: 'prom', password_file: join(dir, 'pw') });
    }
    expect(jobs[1]?.http_sd_configs?.[0]?.url).toMatch(/^https:/);
    expect(jobs[1]?.http_sd_configs?.[0]?.basic_auth).toBeDefined();
    expect(await promtoolCheck(r.stdout)).toMatch(/SUCCESS/);
  });

  it('rejects a --exporter that is not HOST:PORT', async () => {
    const r = await havoc(['-i', loaded.file, 'exporter', 'prometheus-config', '--exporter', 'localhost']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--listen "localhost" is not HOST:PORT');
  });
});
