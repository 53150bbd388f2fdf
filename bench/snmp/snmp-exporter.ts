import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { abortableSleep } from '../../core/deadline.js';

const BINARY = '/usr/bin/prometheus-snmp-exporter';

interface ExporterMetric {
  name: string;
  oid: string;
  lookups?: { oid: string }[];
}
interface ExporterModule {
  walk: string[];
  get?: string[];
  metrics: ExporterMetric[];
  [key: string]: unknown;
}

/**
 * Writes an snmp.yml with two modules: `if_mib` as Prometheus' generator
 * makes it, and `if_mib_havoc`, the same module cut down to the columns
 * havoc's switch collector reads (same metrics, same lookups), so the two
 * can be compared at equal coverage. Both use the exporter's defaults
 * (max_repetitions 25, retries 3, timeout 5s) and the bench community.
 */
export async function writeExporterConfig(
  source: string,
  dir: string,
  community: string,
  columns: readonly string[],
): Promise<string> {
  const doc = parse(await readFile(source, 'utf8')) as { if_mib: ExporterModule };
  const full = doc.if_mib;
  // enum_values keys are integers to the exporter's Go parser; a JS object would write them back quoted.
  for (const metric of full.metrics as (ExporterMetric & {
    enum_values?: Record<string, string> | Map<number, string>;
  })[]) {
    if (metric.enum_values && !(metric.enum_values instanceof Map)) {
      metric.enum_values = new Map(Object.entries(metric.enum_values).map(([k, v]) => [Number(k), v]));
    }
  }
  const lookupColumns = [
    ...new Set(
      full.metrics
        .flatMap((m) => (m.lookups ?? []).map((l) => l.oid))
        .filter((o) => o.startsWith('1.3.6.1.2.1')),
    ),
  ];
  const wanted = new Set(columns);
  const trimmed: ExporterModule = {
    ...full,
    walk: [...columns, ...lookupColumns],
    metrics: full.metrics.filter((m) => wanted.has(m.oid) || m.name === 'sysUpTime'),
  };
  const auth = { version: 2, auth: { community } };
  const file = join(dir, 'snmp.yml');
  await writeFile(file, stringify({ if_mib: { ...full, ...auth }, if_mib_havoc: { ...trimmed, ...auth } }));
  return file;
}

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

export class SnmpExporter {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(configFile: string): Promise<SnmpExporter> {
    try {
      accessSync(BINARY, constants.X_OK);
    } catch {
      throw new Error(`${BINARY} is not installed: install the Debian package prometheus-snmp-exporter`);
    }
    const port = await freeTcpPort();
    const child = spawn(BINARY, [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exporter = new SnmpExporter(child, port);
    const started = performance.now();
    while (performance.now() - started < 10_000) {
      if (child.exitCode !== null) throw new Error(`snmp_exporter exited: ${stderr.trim()}`);
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return exporter;
      await abortableSleep(50);
    }
    exporter.stop();
    throw new Error(`snmp_exporter did not answer on 127.0.0.1:${port}: ${stderr.trim()}`);
  }

  async scrape(target: string, module: string): Promise<string> {
    const url = `http://127.0.0.1:${this.port}/snmp?target=${encodeURIComponent(target)}&module=${module}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    const body = await res.text();
    if (!res.ok)
      throw new Error(`snmp_exporter ${module} on ${target}: HTTP ${res.status}: ${body.slice(0, 300)}`);
    return body;
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
  }
}
