import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HavocError } from '../../core/errors.js';
import { PCMK_INFINITY, parseCrmMonXml, parseFenceEvent, parseStonithHistory } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseCrmMonXml', () => {
  it('parses unclean nodes and a failed clone instance (crm_mon 2.1.5 on ClusterLabs/pacemaker cts/scheduler/xml/stop-failure-with-fencing.xml)', () => {
    const st = parseCrmMonXml(fixture('crm_mon-stop-failure-with-fencing.xml'));
    expect(st.summary).toMatchObject({ dcPresent: true, dcName: 'pcmk-1', dcId: '101', withQuorum: false });
    expect(st.summary.nodesConfigured).toBe(4);
    expect(st.nodes.map((n) => [n.name, n.online, n.unclean, n.shutdown, n.isDc])).toEqual([
      ['pcmk-1', true, false, false, true],
      ['pcmk-2', true, true, true, false],
      ['pcmk-3', false, true, false, false],
      ['pcmk-4', false, true, false, false],
    ]);
    expect(st.nodes[1]?.resourcesRunning).toBe(1);
    expect(st.nodes[1]?.expectedUp).toBe(false);
    const failed = st.resources.filter((r) => r.failed);
    expect(failed).toEqual([
      {
        id: 'clvm',
        agent: 'lsb:clvmd',
        role: 'Started',
        targetRole: undefined,
        active: true,
        orphaned: false,
        blocked: false,
        managed: true,
        failed: true,
        failureIgnored: false,
        nodes: ['pcmk-2'],
        nodesRunningOn: 1,
        parents: [{ kind: 'clone', id: 'clvm-clone' }],
      },
    ]);
    expect(st.resources.filter((r) => r.id === 'dlm')).toHaveLength(4);
    expect(st.resources.find((r) => r.id === 'Fencing')?.parents).toEqual([]);
    expect(st.failCounts).toEqual([
      {
        node: 'pcmk-2',
        resource: 'clvm',
        failCount: PCMK_INFINITY,
        migrationThreshold: PCMK_INFINITY,
        lastFailure: 'Wed Jun 12 05:22:35 2013',
      },
    ]);
    expect(st.failures).toEqual([
      {
        opKey: 'clvm_stop_0',
        node: 'pcmk-2',
        exitStatus: 'not installed',
        exitReason: 'none',
        exitCode: 5,
        call: 7655,
        status: 'complete',
        lastRcChange: '2013-06-12 05:22:35Z',
        task: 'stop',
        interval: 0,
      },
    ]);
    expect(st.fenceHistory).toBeUndefined();
  });

  it('flattens groups and promotable clones and reads a timed-out stop (crm_mon 2.1.5 on cts/scheduler/xml/dc-fence-ordering.xml)', () => {
    const st = parseCrmMonXml(fixture('crm_mon-dc-fence-ordering.xml'));
    expect(st.summary.withQuorum).toBe(true);
    const dc = st.nodes.find((n) => n.isDc);
    expect(dc).toMatchObject({ name: 'rhel7-1', unclean: true, shutdown: true });
    const petulant = st.resources.find((r) => r.id === 'petulant');
    expect(petulant).toMatchObject({
      failed: true,
      role: 'Started',
      nodes: ['rhel7-1'],
      parents: [{ kind: 'group', id: 'group-1' }],
    });
    const promoted = st.resources.filter((r) => r.id === 'stateful-1' && r.role === 'Promoted');
    expect(promoted.map((r) => [r.nodes, r.parents])).toEqual([
      [['rhel7-1'], [{ kind: 'clone', id: 'promotable-1' }]],
    ]);
    expect(st.failures[0]).toMatchObject({ opKey: 'petulant_stop_0', status: 'Timed Out', exitCode: 198 });
    // resource_history without a fail-count carries no fail count.
    expect(st.failCounts.every((f) => Number.isInteger(f.failCount))).toBe(true);
  });

  it('rejects non-XML, another root, a missing attribute and a tool error status', () => {
    expect(() => parseCrmMonXml('Stack: corosync\nCurrent DC: node1')).toThrow(
      /crm_mon XML is not well-formed/,
    );
    expect(() => parseCrmMonXml('<crm_mon version="2.0.0"><summary/></crm_mon>')).toThrow(
      /expected a <pacemaker-result> root element \(run it with --output-as=xml\), got crm_mon/,
    );
    const noUnclean = fixture('crm_mon-stop-failure-with-fencing.xml').replace(' unclean="true"', '');
    expect(() => parseCrmMonXml(noUnclean)).toThrow(/<node> is missing attribute "unclean"/);
    const badBool = fixture('crm_mon-stop-failure-with-fencing.xml').replace(
      'failed="true"',
      'failed="maybe"',
    );
    expect(() => parseCrmMonXml(badBool)).toThrow(/attribute failed="maybe": expected true or false/);
    expect(() =>
      parseCrmMonXml(
        '<pacemaker-result api-version="2.25"><status code="102" message="Not connected"/></pacemaker-result>',
      ),
    ).toThrow(HavocError);
  });
});

describe('parseStonithHistory', () => {
  it('parses an empty fencing history (stonith_admin 2.1.5 --history "*" --output-as=xml, captured on this machine)', () => {
    expect(parseStonithHistory(fixture('stonith_admin-history-empty.xml'))).toEqual([]);
  });

  it('reads every fence_event attribute of the fence-event-2.15.rng schema (shape from the schema, not a capture)', () => {
    const ev = parseFenceEvent({
      '@status': 'failed',
      '@extended-status': 'timeout',
      '@exit-reason': 'Fence agent did not complete within 10s',
      '@delegate': 'node1',
      '@action': 'off',
      '@target': 'node3',
      '@client': 'stonith_admin.1234',
      '@origin': 'node1',
      '@completed': '2026-11-21 23:09:12Z',
    });
    expect(ev).toEqual({
      target: 'node3',
      action: 'off',
      status: 'failed',
      extendedStatus: 'timeout',
      exitReason: 'Fence agent did not complete within 10s',
      delegate: 'node1',
      client: 'stonith_admin.1234',
      origin: 'node1',
      completed: '2026-11-21 23:09:12Z',
    });
    expect(() =>
      parseFenceEvent({
        '@status': 'maybe',
        '@action': 'off',
        '@target': 'n',
        '@client': 'c',
        '@origin': 'o',
      }),
    ).toThrow(/status="maybe": expected success, failed, pending/);
  });
});
