import { describe, expect, it } from 'vitest';
import { exampleFaultContext } from '../../test/chaos/example-fault-context.js';
import { faultByName } from '../faults/index.js';
import { hostStandby } from './host-standby.js';
import { ACTIONS } from './index.js';
import { liveMigrate } from './live-migrate.js';
import { vmStop } from './vm-stop.js';

/* Command lines and refusals that are decided before any host is reached (example Pacemaker inventory). */

describe('planned actions: command line and refusals', () => {
  it('are actions, found by name beside the faults', () => {
    expect(ACTIONS.map((a) => `${a.name}:${a.kind}`)).toEqual([
      'live-migrate:action',
      'host-standby:action',
      'vm-stop:action',
    ]);
    expect(faultByName('live-migrate')).toBe(liveMigrate);
    expect(faultByName('network-partition').kind).toBe('fault');
  });

  it('take -p key=value only: a positional target, a missing key and an unknown key are usage errors', () => {
    const inv = exampleFaultContext().inventory;
    expect(liveMigrate.fromCommandLine([], { vm: 'web1', to: 'node2' }, inv)).toEqual({
      vm: 'web1',
      to: 'node2',
    });
    expect(() => liveMigrate.fromCommandLine(['web1'], {}, inv)).toThrow(
      'live-migrate takes its parameters as -p key=value, not "web1"',
    );
    expect(() => vmStop.fromCommandLine([], {}, inv)).toThrow('vm-stop needs -p vm=NAME');
    expect(() => hostStandby.fromCommandLine([], { host: 'node1', node: 'x' }, inv)).toThrow(
      'host-standby has no parameter "node"',
    );
  });

  it('refuse a VM not in the inventory and an inventory without an HA manager, naming what is missing', async () => {
    const ctx = exampleFaultContext();
    expect(await vmStop.refuse({ vm: 'nosuch' }, ctx)).toEqual([
      expect.stringMatching(/^vm "nosuch" is not in the inventory .*pacemaker-kvm\.yaml: its VMs: /),
    ]);
    await expect(liveMigrate.resolve!({ vm: 'nosuch' }, ctx)).rejects.toThrow(
      /vm "nosuch" is not in the inventory/,
    );
    const bare = exampleFaultContext((y) => y.replace(/haManager:\n( {2}.*\n)+/, ''));
    const vm = bare.inventory.vms[0]!.name;
    expect(await vmStop.refuse({ vm }, bare)).toEqual([
      'vm-stop goes through the HA manager, and the inventory has no haManager: add haManager (pacemaker, xapi or libvirt) to the inventory',
    ]);
    expect(await hostStandby.refuse({ host: 'node1' }, bare)).toEqual([
      'host-standby goes through the HA manager, and the inventory has no haManager: add haManager (pacemaker, xapi or libvirt) to the inventory',
    ]);
  });

  it('refuse host-standby and vm-stop where libvirt alone manages the VMs (no standby, nothing keeps a VM stopped)', async () => {
    const ctx = exampleFaultContext((y) =>
      y.replace(/haManager:\n( {2}.*\n)+/, 'haManager:\n  type: libvirt\n'),
    );
    expect(await hostStandby.refuse({ host: 'node1' }, ctx)).toEqual([
      'host-standby needs a cluster manager (pacemaker or xapi): libvirt alone has no standby',
    ]);
    expect(await vmStop.refuse({ vm: ctx.inventory.vms[0]!.name }, ctx)).toEqual([
      'vm-stop needs a cluster manager (pacemaker or xapi) to keep the VM stopped',
    ]);
  });
});
