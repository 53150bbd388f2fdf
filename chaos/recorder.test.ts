import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../core/redact.js';
import { tempDir } from '../test/support/temp-dir.js';
import type { LedgerInput } from './ledger/schema.js';
import { openLedger } from './ledger/writer.js';
import { FaultRecorder } from './recorder.js';
import { readTimeline } from './timeline/reader.js';
import { openTimeline } from './timeline/writer.js';

const requester = { user: 'root', uid: 0, pid: 1, host: 'station', command: 'havoc chaos inject' };
const intent = (fault: string, name: string): LedgerInput => ({
  fault,
  state: 'intended',
  name,
  params: { vm: 'vm1', to: 'host2' },
  description: { summary: `${name} vm1`, targets: ['vm1', 'host2'], revert: 'crm_resource --clear' },
  maxDurationMs: 60_000,
  inventory: '/etc/havoc/cluster.yaml',
  requester,
});

function recorderIn(dir: string) {
  const path = join(dir, 'timeline.jsonl');
  const timeline = openTimeline(path);
  const recorder = new FaultRecorder(openLedger(join(dir, 'ledger'), 'run-1', new Redactor()), timeline);
  return {
    recorder,
    actions: () => {
      timeline.flush();
      return readTimeline(path)
        .records.filter((r) => r.kind === 'action')
        .map((r) => {
          const a = r as Extract<typeof r, { kind: 'action' }>;
          return { id: a.id, action: a.action, phase: a.phase, targets: a.targets, detail: a.detail };
        });
    },
  };
}

describe('FaultRecorder: action records on the timeline', () => {
  it("writes start with the intent and done with injected (the action's own report as detail), nothing more", () => {
    const { recorder, actions } = recorderIn(tempDir('havoc-recorder-'));
    const about = { name: 'live-migrate', targets: ['vm1', 'host2'], kind: 'action' as const };
    recorder.record(intent('run-1/1', 'live-migrate'), about);
    recorder.record({ fault: 'run-1/1', state: 'injected' }, about, { downtimeMs: 152, to: 'host2' });
    for (const state of ['verified', 'reverting', 'reverted'] as const)
      recorder.record({ fault: 'run-1/1', state }, about);
    expect(actions()).toEqual([
      { id: 'run-1/1', action: 'live-migrate', phase: 'start', targets: ['vm1', 'host2'], detail: undefined },
      {
        id: 'run-1/1',
        action: 'live-migrate',
        phase: 'done',
        targets: ['vm1', 'host2'],
        detail: { downtimeMs: 152, to: 'host2' },
      },
    ]);
  });

  it('writes failed, with the reason, when a revert starts on an action that never got done', () => {
    const { recorder, actions } = recorderIn(tempDir('havoc-recorder-'));
    const about = { name: 'vm-stop', targets: ['vm1'], kind: 'action' as const };
    recorder.record(intent('run-1/1', 'vm-stop'), about);
    recorder.record({ fault: 'run-1/1', state: 'reverting', detail: 'the run died' }, about);
    expect(actions().map((a) => [a.phase, a.detail])).toEqual([
      ['start', undefined],
      ['failed', { reason: 'the run died' }],
    ]);
  });

  it('writes no failed for a heal that knows from the ledger the action was done, and no action record for a fault', () => {
    const { recorder, actions } = recorderIn(tempDir('havoc-recorder-'));
    recorder.record(
      { fault: 'run-0/1', state: 'reverting' },
      { name: 'vm-stop', targets: [], kind: 'action', injected: true },
    );
    const fault = { name: 'network-partition', targets: ['h1'], kind: 'fault' as const };
    recorder.record(intent('run-1/2', 'network-partition'), fault);
    recorder.record({ fault: 'run-1/2', state: 'injected' }, fault);
    recorder.record({ fault: 'run-1/2', state: 'reverting' }, fault);
    expect(actions()).toEqual([]);
  });
});
