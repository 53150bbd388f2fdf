import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../core/redact.js';
import { type LedgerInput, openLedger, readLedger, unreverted } from './index.js';

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'havoc-ledger-'));
  dir = join(root, 'ledger');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const requester = { user: 'root', uid: 0, pid: 1, host: 'station', command: 'havoc chaos inject' };
const intent = (fault: string): LedgerInput => ({
  fault,
  state: 'intended',
  name: 'network-partition',
  params: { network: 'heartbeat', groups: [['h1'], ['h2']] },
  description: { summary: 'cut h1 from h2', targets: ['h1', 'h2'], revert: 'delete table inet havoc' },
  maxDurationMs: 60_000,
  inventory: '/etc/havoc/cluster.yaml',
  requester,
});

describe('ledger', () => {
  it('creates its directory and one file per writer only when a record is written', () => {
    const w = openLedger(dir, 'run-1', new Redactor());
    expect(() => readdirSync(dir)).toThrow();
    w.record(intent('run-1/1'));
    w.close();
    expect(readdirSync(dir)).toEqual(['run-1.jsonl']);
  });

  it('computes what is not reverted across writers, newest first', () => {
    const run = openLedger(dir, 'run-1', new Redactor());
    run.record(intent('run-1/1'));
    run.record({ fault: 'run-1/1', state: 'injected' });
    run.record(intent('run-1/2'));
    run.record({ fault: 'run-1/2', state: 'injected' });
    run.record(intent('run-1/3'));
    run.record({ fault: 'run-1/3', state: 'reverting' });
    run.record({ fault: 'run-1/3', state: 'reverted' });
    run.close();
    const heal = openLedger(dir, 'heal-1', new Redactor());
    heal.record({ fault: 'run-1/1', state: 'reverting' });
    heal.record({ fault: 'run-1/1', state: 'revert-failed', detail: 'h2 did not answer' });
    heal.close();
    const view = readLedger(dir);
    expect(view.corrupt).toEqual([]);
    expect(unreverted(view).map((f) => [f.id, f.state])).toEqual([
      ['run-1/2', 'injected'],
      ['run-1/1', 'revert-failed'],
    ]);
    expect(view.faults.find((f) => f.id === 'run-1/1')!.history.map((e) => e.by)).toEqual([
      'run-1',
      'run-1',
      'heal-1',
      'heal-1',
    ]);
  });

  it('tolerates a torn last line (the writer was killed mid-write) and still sees the fault before it', () => {
    const w = openLedger(dir, 'run-1', new Redactor());
    w.record(intent('run-1/1'));
    w.close();
    appendFileSync(join(dir, 'run-1.jsonl'), '{"v":1,"ns":"123","state":"inj');
    const view = readLedger(dir);
    expect(view.corrupt).toEqual([]);
    expect(view.torn).toEqual([{ file: join(dir, 'run-1.jsonl'), line: 2 }]);
    expect(unreverted(view).map((f) => f.state)).toEqual(['intended']);
  });

  it('reports a corrupt line with file and line instead of skipping it', () => {
    const w = openLedger(dir, 'run-1', new Redactor());
    w.record(intent('run-1/1'));
    w.close();
    const file = join(dir, 'run-1.jsonl');
    appendFileSync(file, '{"v":1,"state":"reverted"}\n');
    const view = readLedger(dir);
    expect(view.corrupt).toHaveLength(1);
    expect(view.corrupt[0]).toMatchObject({ file, line: 2 });
    expect(unreverted(view)).toHaveLength(1);
  });

  it('refuses to write a secret value, and a refused record leaves nothing on disk', () => {
    const redactor = new Redactor();
    redactor.add('s3cret-bmc-password');
    const w = openLedger(dir, 'run-1', redactor);
    const leaky = intent('run-1/1');
    expect(() => w.record({ ...leaky, params: { password: 's3cret-bmc-password' } } as LedgerInput)).toThrow(
      /secret value/,
    );
    // A secret reference is fine: it names where the secret is, not what it is.
    w.record({
      ...leaky,
      description: {
        summary: 'power off h1',
        targets: ['h1'],
        revert: 'power on',
        secretRefs: [{ file: '/etc/havoc/h1.pass' }],
      },
    } as LedgerInput);
    w.close();
    const text = readFileSync(join(dir, 'run-1.jsonl'), 'utf8');
    expect(text).not.toContain('s3cret-bmc-password');
    expect(text).toContain('/etc/havoc/h1.pass');
  });

  it('is empty when the directory does not exist yet', () => {
    expect(readLedger(join(root, 'nowhere')).faults).toEqual([]);
  });
});
