import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortableSleep } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';
import type { Collector } from '../../exporters/collector.js';
import { gaugeFamily, registerGauge } from '../../exporters/metric-family.js';
import { probeDeadlineMs, runProbe } from '../../exporters/probe.js';
import { type RunningExporter, startExporter } from '../../exporters/server.js';
import { hashPassword, parseWebConfig } from '../../exporters/web-config.js';
import { inventory, load } from '../inventory/build.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * The server's contract with its collectors, with collectors written for the
 * test (they stand for "a collector that works / throws / hangs"; the real
 * collectors are exercised against the lab in the integration tests).
 */

const log = pino({ level: 'silent' });
const loaded = load(inventory());

const CALLS = gaugeFamily('havoc_test_call', 'Which call of the collector this is.', ['call']);
const GOOD = gaugeFamily('havoc_test_good', 'Set by the collector that works.');
const PARTIAL = gaugeFamily('havoc_test_partial', 'Set by the failing collector before it throws.');

function collectors(): Collector[] {
  let calls = 0;
  return [
    {
      name: 'counting',
      module: 'host',
      metrics: [CALLS],
      appliesTo: () => true,
      async collect(_t, registry) {
        calls += 1;
        registerGauge(registry, CALLS).set({ call: String(calls) }, 1);
      },
    },
    {
      name: 'good',
      module: 'bmc',
      metrics: [GOOD],
      appliesTo: () => true,
      async collect(target, registry) {
        registerGauge(registry, GOOD).set(target === 'h1' ? 1 : 2);
      },
    },
    {
      name: 'failing',
      module: 'bmc',
      metrics: [PARTIAL],
      appliesTo: (target) => target === 'h2',
      async collect(_t, registry) {
        registerGauge(registry, PARTIAL).set(7);
        throw new HavocError('auth', 'the BMC refused the password');
      },
    },
    {
      name: 'slow',
      module: 'switch',
      metrics: [],
      appliesTo: () => true,
      // Ignores its signal on purpose: the server must not wait for it past the deadline.
      collect: () => abortableSleep(4000),
    },
    {
      name: 'fast',
      module: 'switch',
      metrics: [GOOD],
      appliesTo: () => true,
      async collect(_t, registry) {
        registerGauge(registry, GOOD).set(3);
      },
    },
  ];
}

let exporter: RunningExporter;
beforeAll(async () => {
  exporter = await startExporter({
    loaded,
    collectors: collectors(),
    listen: { host: '127.0.0.1', port: 0 },
    log,
  });
});
afterAll(async () => {
  await exporter?.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${exporter.url}${path}`, { headers, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

describe('probeDeadlineMs', () => {
  it('is the scrape timeout header minus 0.5 s, at least 1 s, 9.5 s without a usable header', () => {
    expect(probeDeadlineMs('10')).toBe(9500);
    expect(probeDeadlineMs('2.5')).toBe(2000);
    expect(probeDeadlineMs('1')).toBe(1000);
    expect(probeDeadlineMs(undefined)).toBe(9500);
    expect(probeDeadlineMs('soon')).toBe(9500);
    expect(probeDeadlineMs('-3')).toBe(9500);
  });
});

describe('exporter HTTP server', () => {
  it('listens on 127.0.0.1 and builds a fresh registry for every probe', async () => {
    expect(exporter.host).toBe('127.0.0.1');
    const first = await get('/probe?module=host&target=h1');
    const second = await get('/probe?module=host&target=h1');
    expect(first.status).toBe(200);
    expect(first.type).toContain('text/plain');
    expect(first.text).toContain('havoc_test_call{call="1"} 1');
    expect(second.text).toContain('havoc_test_call{call="2"} 1');
    expect(second.text).not.toContain('call="1"');
    expect(second.text).toContain('havoc_up{module="host"} 1');
  });

  it('a failing collector yields havoc_up 0 and its reason; the other collector and its partial data stay', async () => {
    const { status, text } = await get('/probe?module=bmc&target=h2');
    expect(status).toBe(200);
    expect(text).toContain('havoc_up{module="bmc"} 0');
    expect(text).toContain('havoc_scrape_error{module="bmc",collector="failing",reason="auth"} 1');
    expect(text).toContain('havoc_test_good 2');
    expect(text).toContain('havoc_test_partial 7');
    // Another target of the same module is not affected.
    const other = await get('/probe?module=bmc&target=h1');
    expect(other.text).toContain('havoc_up{module="bmc"} 1');
    expect(other.text).not.toContain('havoc_scrape_error{');
    const self = await get('/metrics');
    expect(self.text).toContain(
      'havoc_exporter_collector_failures_total{module="bmc",target="h2",collector="failing",reason="auth"} 1',
    );
    expect(self.text).toMatch(/process_cpu_seconds_total \d/);
  });

  it('honours X-Prometheus-Scrape-Timeout-Seconds: a collector that overruns it is a timeout, the fast one is served', async () => {
    const { status, text } = await get('/probe?module=switch&target=sw1', {
      'X-Prometheus-Scrape-Timeout-Seconds': '2',
    });
    expect(status).toBe(200);
    expect(text).toContain('havoc_up{module="switch"} 0');
    expect(text).toContain('havoc_scrape_error{module="switch",collector="slow",reason="timeout"} 1');
    expect(text).toContain('havoc_test_good 3');
    // With room enough, the same collector succeeds.
    const relaxed = await get('/probe?module=switch&target=sw1', {
      'X-Prometheus-Scrape-Timeout-Seconds': '8',
    });
    expect(relaxed.text).toContain('havoc_up{module="switch"} 1');
  });

  it('answers 400 with the valid choices for an unknown target or module, and for missing parameters', async () => {
    const target = await get('/probe?module=bmc&target=nosuch');
    expect(target.status).toBe(400);
    expect(target.text).toContain('no bmc target "nosuch"');
    expect(target.text).toContain('h1, h2, h3');
    const module = await get('/probe?module=disk&target=h1');
    expect(module.status).toBe(400);
    expect(module.text).toContain('host, switch, bmc, cluster');
    expect((await get('/probe?target=h1')).status).toBe(400);
  });

  it('answers 404 with the endpoints for any other path', async () => {
    const res = await get('/favicon.ico');
    expect(res.status).toBe(404);
    expect(res.text).toContain('/probe?target=NAME&module=');
  });

  it('serves HTTP SD groups per module with __meta_havoc labels, filtered by ?module=', async () => {
    const all = JSON.parse((await get('/sd')).text) as {
      targets: string[];
      labels: Record<string, string>;
    }[];
    const bmc = all.find((g) => g.labels['__meta_havoc_module'] === 'bmc');
    expect(bmc?.targets).toEqual(['h1', 'h2', 'h3']);
    expect(bmc?.labels['__meta_havoc_role']).toBe('ipmi');
    expect(bmc?.labels['__meta_havoc_cluster']).toBe('test');
    // No collector of module "cluster" in this server: no such group.
    expect(all.some((g) => g.labels['__meta_havoc_module'] === 'cluster')).toBe(false);
    const only = JSON.parse((await get('/sd?module=switch')).text) as { targets: string[] }[];
    expect(only.map((g) => g.targets)).toEqual([['sw1', 'sw2']]);
    expect((await get('/sd?module=disk')).status).toBe(400);
  });
});

describe('web config (exporter-toolkit format): TLS with an openssl self-signed certificate, basic auth', () => {
  let dir: string;
  let secure: RunningExporter;
  let cert: Buffer;

  beforeAll(async () => {
    dir = tempDir('havoc-webcfg-');
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          join(dir, 'server.key'),
          '-out',
          join(dir, 'server.crt'),
          '-days',
          '2',
          '-subj',
          '/CN=havoc-test',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'pipe' },
      );
    } catch (err) {
      throw new Error(`openssl failed (install the Debian package openssl): ${(err as Error).message}`);
    }
    const hash = await hashPassword('s3cret-scrape');
    const text = `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: '${hash}'\n`;
    writeFileSync(join(dir, 'web.yml'), text);
    const webConfig = parseWebConfig(join(dir, 'web.yml'), text);
    cert = webConfig.tls!.cert;
    secure = await startExporter({
      loaded,
      collectors: collectors(),
      listen: { host: '127.0.0.1', port: 0 },
      log,
      webConfig,
    });
  });
  afterAll(async () => {
    await secure?.close();
  });

  function tlsGet(
    path: string,
    auth?: string,
  ): Promise<{ status: number; text: string; challenge?: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        `${secure.url}${path}`,
        {
          ca: cert,
          headers: auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {},
          signal: AbortSignal.timeout(10_000),
        },
        (res) => {
          let text = '';
          res.on('data', (d) => {
            text += String(d);
          });
          res.on('end', () => {
            const challenge = res.headers['www-authenticate'];
            resolve({ status: res.statusCode ?? 0, text, ...(challenge ? { challenge } : {}) });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('serves HTTPS with the configured certificate and asks for credentials', async () => {
    expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await tlsGet('/metrics');
    expect(res.status).toBe(401);
    expect(res.challenge).toContain('Basic');
  });

  it('refuses a wrong password and an unknown user, accepts the right one (twice: the cache path)', async () => {
    expect((await tlsGet('/metrics', 'prometheus:wrong')).status).toBe(401);
    expect((await tlsGet('/metrics', 'mallory:s3cret-scrape')).status).toBe(401);
    const ok = await tlsGet('/probe?module=bmc&target=h1', 'prometheus:s3cret-scrape');
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('havoc_up{module="bmc"} 1');
    expect((await tlsGet('/metrics', 'prometheus:s3cret-scrape')).status).toBe(200);
    expect((await tlsGet('/metrics', 'prometheus:s3cret-scrapeX')).status).toBe(401);
  });

  it('a plain-HTTP request to the TLS port gets no metrics', async () => {
    const plain = secure.url.replace('https:', 'http:');
    const res = await fetch(`${plain}/metrics`, { signal: AbortSignal.timeout(5000) }).catch((e: Error) => e);
    if (!(res instanceof Error)) expect(res.status).not.toBe(200);
  });

  it('rejects a plaintext password without echoing it, a missing certificate, and unknown keys', () => {
    const plain = () => parseWebConfig('/etc/web.yml', 'basic_auth_users:\n  prometheus: hunter2hunter2\n');
    expect(plain).toThrow(/basic_auth_users\.prometheus: a bcrypt hash/);
    expect(plain).toThrow(expect.objectContaining({ hint: expect.stringContaining('hash-password') }));
    try {
      plain();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('hunter2');
    }
    expect(() =>
      parseWebConfig(
        join(dir, 'w.yml'),
        'tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n',
      ),
    ).toThrow(`tls_server_config.cert_file ${join(dir, 'nope.crt')} does not exist`);
    expect(() => parseWebConfig('/etc/web.yml', 'http_server_confg: {}\n')).toThrow(/http_server_confg/);
  });
});

describe('declarations', () => {
  it('a probe names the families a collector registered without declaring them', async () => {
    const sneaky: Collector = {
      name: 'sneaky',
      module: 'host',
      metrics: [GOOD],
      appliesTo: () => true,
      async collect(_t, registry) {
        registerGauge(registry, GOOD).set(1);
        registerGauge(registry, PARTIAL).set(1);
      },
    };
    const result = await runProbe({
      target: 'h1',
      module: 'host',
      collectors: [sneaky],
      context: { loaded, log, cache: new Map() },
      deadlineMs: 2000,
    });
    expect(result.outcomes[0]?.undeclared).toEqual(['havoc_test_partial']);
  });
});
