import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { execProgram } from '../../core/exec.js';
import { type CrmMonRunner, parseCrmMonXml, readCrmMon } from './index.js';

const run = promisify(execFile);

describe('parseCrmMonXml against the real crm_mon', () => {
  it('parses what crm_mon prints for a CIB file (ClusterLabs/pacemaker cts/scheduler/xml/stop-failure-with-fencing.xml)', async () => {
    const cib = new URL('./fixtures/cib-stop-failure-with-fencing.xml', import.meta.url).pathname;
    let stdout: string;
    try {
      ({ stdout } = await run('crm_mon', ['--output-as=xml', '--one-shot'], {
        env: { ...process.env, CIB_file: cib },
        timeout: 30_000,
        signal: AbortSignal.timeout(30_000),
      }));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error('crm_mon not found: install the Debian package pacemaker-cli-utils');
      }
      throw err;
    }
    const st = parseCrmMonXml(stdout);
    expect(st.nodes.filter((n) => n.unclean).map((n) => n.name)).toEqual(['pcmk-2', 'pcmk-3', 'pcmk-4']);
    expect(st.resources.filter((r) => r.failed).map((r) => `${r.id}@${r.nodes.join(',')}`)).toEqual([
      'clvm@pcmk-2',
    ]);
    expect(st.failCounts[0]).toMatchObject({ node: 'pcmk-2', resource: 'clvm', failCount: 1_000_000 });
  });
});

describe('readCrmMon running the real crm_mon', () => {
  it('skips a node whose crm_mon reaches no CIB, names why, and reads the next one (CIB stop-failure-with-fencing.xml)', async () => {
    const cib = new URL('./fixtures/cib-stop-failure-with-fencing.xml', import.meta.url).pathname;
    // Each "node" is crm_mon on this machine with its own CIB: one that does not exist, one from the fixtures.
    const cibOf: Record<string, string> = { lost: '/nonexistent/havoc-cib.xml', pcmk: cib };
    const run: CrmMonRunner = async (node, argv, signal) => {
      const r = await execProgram(argv, {
        signal,
        env: { ...process.env, CIB_file: cibOf[node]! },
        allowFailure: true,
      });
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.code ?? undefined };
    };
    const reading = await readCrmMon(['lost', 'pcmk'], run, { signal: AbortSignal.timeout(30_000) });
    expect(reading.node).toBe('pcmk');
    expect(reading.failures).toEqual([
      { node: 'lost', reason: 'crm_mon: Could not connect to the CIB: No such device or address' },
    ]);
    expect(reading.status.nodes.filter((n) => n.unclean).map((n) => n.name)).toEqual([
      'pcmk-2',
      'pcmk-3',
      'pcmk-4',
    ]);
  });
});
