import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Redactor } from '../../core/redact.js';
import { loadInventory } from '../../inventory/load.js';
import type { Inventory } from '../../inventory/schema.js';
import { nightlySuite } from '../../suites/builtin/nightly.js';
import { FAULT_REGISTRY } from '../../suites/format/registries.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'pacemaker-kvm.yaml');

function partitionStep(inv: Inventory): { name: string; expect: Record<string, unknown>[] } {
  const suite = parse(nightlySuite.yaml(inv, FAULT_REGISTRY.names)) as {
    steps: { name: string; fault: string; expect: Record<string, unknown>[] }[];
  };
  return suite.steps.find((s) => s.fault === 'network-partition')!;
}

describe('nightly: the heartbeat partition step follows the corosync links the inventory declares', () => {
  it('with corosync on two networks one partitioned network must cause no fence and no outage', () => {
    const inv = loadInventory(EXAMPLE, new Redactor()).inventory;
    expect(inv.haManager?.type === 'pacemaker' && inv.haManager.heartbeatNetworks).toEqual([
      'heartbeat',
      'mgmt',
    ]);
    const step = partitionStep(inv);
    expect(step.name).toMatch(/one of its 2 corosync links: no fence, no outage/);
    expect(step.expect.map((e) => Object.keys(e)[0])).toEqual([
      'notFenced',
      'maxServiceDowntime',
      'noDoubleRun',
      'noDataLoss',
    ]);
  });

  it('with corosync on the heartbeat network alone the host is cut off: fenced, its VM restarted', () => {
    const inv = loadInventory(EXAMPLE, new Redactor()).inventory;
    const single: Inventory = {
      ...inv,
      haManager: {
        ...(inv.haManager as Extract<Inventory['haManager'], { type: 'pacemaker' }>),
        heartbeatNetworks: ['heartbeat'],
      },
    };
    expect(partitionStep(single).expect.map((e) => Object.keys(e)[0])).toEqual([
      'fencedWithin',
      'restartedWithin',
      'noDoubleRun',
      'noDataLoss',
    ]);
  });
});
