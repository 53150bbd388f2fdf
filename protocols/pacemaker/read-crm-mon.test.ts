import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CRM_MON_ARGV, type CrmMonRun, CrmMonUnavailableError, readCrmMon } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** Answers each node from a table of captured outputs; records who was asked with what. */
function replay(outputs: Record<string, CrmMonRun | Error>) {
  const asked: string[] = [];
  const run = async (node: string, argv: readonly string[]) => {
    asked.push(`${node}: ${argv.join(' ')}`);
    const out = outputs[node];
    if (out === undefined || out instanceof Error) throw out ?? new Error(`no output for ${node}`);
    return out;
  };
  return { asked, run };
}

describe('readCrmMon on captured crm_mon outputs (Pacemaker 2.1.5)', () => {
  it('tries the nodes in order and says which answered and why the ones before it did not', async () => {
    const { asked, run } = replay({
      n1: new Error('connect ECONNREFUSED 198.18.0.11:22'),
      n2: { stdout: fixture('crm_mon-no-cib.xml'), stderr: '', exitCode: 0 },
      n3: { stdout: '', stderr: 'bash: crm_mon: command not found\n', exitCode: 127 },
      n4: { stdout: fixture('crm_mon-stop-failure-with-fencing.xml'), stderr: '', exitCode: 0 },
      n5: { stdout: fixture('crm_mon-dc-fence-ordering.xml'), stderr: '', exitCode: 0 },
    });
    const reading = await readCrmMon(['n1', 'n2', 'n3', 'n4', 'n5'], run, {
      signal: AbortSignal.timeout(5000),
    });
    expect(reading.node).toBe('n4');
    expect(reading.status.summary.dcName).toBe('pcmk-1');
    expect(reading.failures).toEqual([
      { node: 'n1', reason: 'connect ECONNREFUSED 198.18.0.11:22' },
      { node: 'n2', reason: 'crm_mon: Could not connect to the CIB: No such device or address' },
      { node: 'n3', reason: 'crm_mon exited with 127: bash: crm_mon: command not found' },
    ]);
    expect(asked).toEqual(['n1', 'n2', 'n3', 'n4'].map((n) => `${n}: ${CRM_MON_ARGV.join(' ')}`));
  });

  it('when no node answers, the error names every node and its reason', async () => {
    const { run } = replay({
      n1: { stdout: fixture('crm_mon-no-cib.xml'), stderr: '', exitCode: 0 },
      n2: { stdout: '<pacemaker-result', stderr: '', exitCode: 0 },
    });
    const err = await readCrmMon(['n1', 'n2'], run, {
      signal: AbortSignal.timeout(5000),
      hint: 'check n1',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmMonUnavailableError);
    const e = err as CrmMonUnavailableError;
    expect(e.code).toBe('pacemaker-unreachable');
    expect(e.failures.map((f) => f.node)).toEqual(['n1', 'n2']);
    expect(e.failures[1]?.reason).toMatch(/crm_mon XML is not well-formed/);
    expect(e.describe()).toMatch(
      /^no cluster node answered crm_mon: n1: crm_mon: Could not connect.*; n2: .*: check n1$/,
    );
    await expect(readCrmMon([], run, { signal: AbortSignal.timeout(5000) })).rejects.toThrow(
      'no cluster node to ask crm_mon',
    );
  });

  it('a node that hangs gets perNodeMs, then the next node is asked; the overall deadline is thrown as is', async () => {
    const hang = (_node: string, _argv: readonly string[], signal: AbortSignal) =>
      new Promise<CrmMonRun>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    const answer = { stdout: fixture('crm_mon-dc-fence-ordering.xml'), stderr: '', exitCode: 0 };
    const run = (node: string, argv: readonly string[], signal: AbortSignal) =>
      node === 'slow' ? hang(node, argv, signal) : Promise.resolve(answer);
    const reading = await readCrmMon(['slow', 'fast'], run, {
      signal: AbortSignal.timeout(10_000),
      perNodeMs: 50,
    });
    expect(reading.node).toBe('fast');
    expect(reading.failures).toEqual([
      { node: 'slow', reason: 'crm_mon on slow did not finish within 50 ms' },
    ]);

    const overall = new AbortController();
    const pending = readCrmMon(['slow', 'fast'], run, { signal: overall.signal });
    overall.abort(new Error('scrape deadline'));
    await expect(pending).rejects.toThrow('scrape deadline');
  });
});
