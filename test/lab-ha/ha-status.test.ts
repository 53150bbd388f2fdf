import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterStatusFrom } from '../../lab/ha/ha-status.js';
import { parseCrmMonXml } from '../../protocols/pacemaker/index.js';

// Fixtures: real crm_mon output of a `lab up --ha` lab, see fixtures/SOURCES.md.
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const vms = [
  { name: 'vm1', ip: '198.19.179.101' },
  { name: 'vm2', ip: '198.19.179.102' },
];

describe('lab status of an HA lab, from crm_mon XML captured on a real lab --ha cluster', () => {
  it('lists every node online, each stonith device on another node, every VM with its host', () => {
    const c = clusterStatusFrom(parseCrmMonXml(fixture('crm_mon-ha-lab-running.xml')), vms, 'host1');
    expect(c.quorum).toBe(true);
    expect(c.nodes).toEqual([
      { name: 'host1', state: 'online' },
      { name: 'host2', state: 'online' },
      { name: 'host3', state: 'online' },
    ]);
    expect(c.stonith.map((d) => [d.id, d.role, d.node !== undefined && `fence-${d.node}` !== d.id])).toEqual([
      ['fence-host1', 'Started', true],
      ['fence-host2', 'Started', true],
      ['fence-host3', 'Started', true],
    ]);
    expect(c.vms.map((v) => [v.name, v.state, v.host])).toEqual([
      ['vm1', 'Started', 'host1'],
      ['vm2', 'Started', 'host2'],
    ]);
    expect(c.fenceEvents).toEqual([]);
  });

  it('shows a host fenced off through its BMC as offline, with the fence event', () => {
    const c = clusterStatusFrom(parseCrmMonXml(fixture('crm_mon-ha-lab-after-fence.xml')), vms, 'host1');
    expect(c.nodes.find((n) => n.name === 'host3')?.state).toBe('offline');
    expect(c.fenceEvents).toEqual([
      { target: 'host3', action: 'off', status: 'success', completed: '2026-11-21 23:34:29Z' },
    ]);
  });

  it('reports a VM the CIB does not hold as not configured rather than inventing a host', () => {
    const c = clusterStatusFrom(
      parseCrmMonXml(fixture('crm_mon-ha-lab-running.xml')),
      [{ name: 'vm9', ip: '198.19.179.109' }],
      'host2',
    );
    expect(c.vms).toEqual([{ name: 'vm9', ip: '198.19.179.109', state: 'not configured' }]);
  });
});
