import { expect, it } from 'vitest';
import {
  exampleFaultContext,
  exampleInventoryFile,
  exampleStation,
} from '../../test/chaos/example-fault-context.js';
import type { AnyFault, FaultContext } from '../fault.js';
import { refusalsOf } from '../refusals.js';
import { bmcDead } from './bmc-dead.js';
import { hostPowerOff } from './host-power-off.js';
import { faultByName } from './index.js';
import { linkDown } from './link-down.js';

const station = exampleStation;
const ctxFor = exampleFaultContext;
const file = exampleInventoryFile;
const powerOffRefusals = (ctx: FaultContext, host: string) =>
  refusalsOf(hostPowerOff as AnyFault, hostPowerOff.fromCommandLine([host], {}, ctx.inventory), ctx, station);

it('lists both faults by name', () => {
  expect(faultByName('host-power-off')).toBe(hostPowerOff);
  expect(faultByName('link-down')).toBe(linkDown);
  expect(faultByName('bmc-dead')).toBe(bmcDead);
});

it('host-power-off takes exactly one host and no parameters', () => {
  const inv = ctxFor().inventory;
  expect(hostPowerOff.fromCommandLine(['node1'], {}, inv)).toEqual({ host: 'node1' });
  expect(() => hostPowerOff.fromCommandLine(['node1', 'node2'], {}, inv)).toThrow(/acts on one host, got 2/);
  expect(() => hostPowerOff.fromCommandLine([], {}, inv)).toThrow(/acts on one host, got 0/);
  expect(() => hostPowerOff.fromCommandLine(['node1'], { network: 'x' }, inv)).toThrow(
    /host-power-off has no parameter "network"/,
  );
  expect(hostPowerOff.params.safeParse({ host: 'node1', extra: 1 }).success).toBe(false);
  expect(hostPowerOff.describe({ host: 'node1' })).toEqual({
    summary: 'power off node1 through its BMC',
    targets: ['node1'],
    revert: 'power node1 on through its BMC and wait for SSH to answer',
    secretRefs: [],
  });
});

it('host-power-off refuses an unknown host, the station, a host without fencing and one without a BMC', async () => {
  expect(await powerOffRefusals(ctxFor(), 'node7')).toEqual([
    `host "node7" is not in the inventory ${file} (its hosts: node1, node2)`,
  ]);
  expect(
    await powerOffRefusals(
      ctxFor((t) => t.replace('address: 10.10.5.12', 'address: 10.10.5.1')),
      'node2',
    ),
  ).toEqual([
    'host "node2" is the management station itself (address 10.10.5.1 is 10.10.5.1, an address of this machine): havoc never injects faults into the machine it runs on',
  ]);
  const unfenced = ctxFor();
  unfenced.inventory.hosts[1]!.fencing.levels = [];
  expect(await powerOffRefusals(unfenced, 'node2')).toEqual([
    'host "node2" has no fencing levels: a host-power-off needs a cluster that can fence the host (add hosts.node2.fencing.levels)',
  ]);
  const noBmc = ctxFor();
  delete noBmc.inventory.hosts[1]!.bmc;
  expect(await powerOffRefusals(noBmc, 'node2')).toEqual([
    'host "node2" has no bmc: host-power-off powers hosts off through their BMC (add hosts.node2.bmc)',
  ]);
});

it('link-down resolves a network to every switch port of the host on it (both bond slaves)', () => {
  const inv = ctxFor().inventory;
  expect(linkDown.fromCommandLine(['node1'], { network: 'storage' }, inv)).toEqual({
    host: 'node1',
    scope: { network: 'storage' },
    ports: [
      { switch: 'sw-a', port: 'Te1/0/2' },
      { switch: 'sw-b', port: 'Te2/0/2' },
    ],
  });
  const one = linkDown.fromCommandLine(['node2'], { port: 'Te2/0/3' }, inv);
  expect(one).toEqual({
    host: 'node2',
    scope: { port: 'Te2/0/3' },
    ports: [{ switch: 'sw-b', port: 'Te2/0/3' }],
  });
  expect(linkDown.fromCommandLine(['node2'], { port: 'Te2/0/3', switch: 'sw-b' }, inv)).toEqual(one);
  expect(linkDown.describe(linkDown.params.parse(one))).toEqual({
    summary: 'link down: node2 port Te2/0/3 (sw-b Te2/0/3)',
    targets: ['node2'],
    revert: 'set ifAdminStatus up on sw-b Te2/0/3 over SNMP and wait for ifOperStatus up',
    secretRefs: [],
  });
});

it('link-down rejects bad command lines, naming what is wrong', () => {
  const inv = ctxFor().inventory;
  const cli = (targets: string[], o: Record<string, string>) => () =>
    linkDown.fromCommandLine(targets, o, inv);
  expect(cli(['node1'], {})).toThrow(/exactly one of -p network=NAME and -p port=NAME/);
  expect(cli(['node1'], { network: 'storage', port: 'Te1/0/2' })).toThrow(/exactly one of/);
  expect(cli(['node1'], { netwrok: 'storage' })).toThrow(/link-down has no parameter "netwrok"/);
  expect(cli(['node1', 'node2'], { network: 'storage' })).toThrow(/acts on one host, got 2/);
  expect(cli(['node1'], { network: 'backup' })).toThrow(/network "backup" is not in the inventory/);
  expect(cli(['node1'], { network: 'ipmi' })).toThrow(/host node1 has no switch port on network ipmi/);
  expect(cli(['node1'], { port: 'Te1/0/3' })).toThrow(/host node1 has no switch port "Te1\/0\/3"/);
  expect(cli(['node1'], { port: 'Te1/0/2', switch: 'sw-b' })).toThrow(
    /no switch port "Te1\/0\/2" on switch sw-b/,
  );
  expect(cli(['node1'], { switch: 'sw-a' })).toThrow(/exactly one of/);
  expect(linkDown.params.safeParse({ host: 'node1', scope: { network: 'storage' }, ports: [] }).success).toBe(
    false,
  );
});

it('link-down refuses an unknown host and the station before reading any switch', async () => {
  const ctx = ctxFor();
  const refuse = (c: FaultContext, host: string) =>
    refusalsOf(
      linkDown as AnyFault,
      linkDown.fromCommandLine([host], { network: 'storage' }, c.inventory),
      c,
      station,
    );
  expect(await refuse(ctx, 'node7')).toEqual([
    `host "node7" is not in the inventory ${file} (its hosts: node1, node2)`,
  ]);
  const self = ctxFor((t) => t.replace('address: 10.10.5.11', 'address: 10.10.5.1'));
  expect(await refuse(self, 'node1')).toHaveLength(1);
  expect((await refuse(self, 'node1'))[0]).toMatch(/^host "node1" is the management station itself/);
});

const bmcDeadRefusals = (ctx: FaultContext, host: string) =>
  refusalsOf(bmcDead as AnyFault, bmcDead.fromCommandLine([host], {}, ctx.inventory), ctx, station);

it('bmc-dead takes one host, and refuses a BMC path the inventory does not declare, a BMC by name, and a host only its BMC can fence', async () => {
  const inv = ctxFor().inventory;
  expect(bmcDead.fromCommandLine(['node1'], {}, inv)).toEqual({ host: 'node1' });
  expect(() => bmcDead.fromCommandLine(['node1', 'node2'], {}, inv)).toThrow(/acts on one host, got 2/);
  expect(() => bmcDead.fromCommandLine(['node1'], { port: '623' }, inv)).toThrow(
    /bmc-dead has no parameter "port"/,
  );
  expect(await bmcDeadRefusals(ctxFor(), 'node7')).toEqual([
    `host "node7" is not in the inventory ${file} (its hosts: node1, node2)`,
  ]);
  expect(await bmcDeadRefusals(ctxFor(), 'node1')).toEqual([
    'hosts.node1.bmc.firewall is not declared: bmc-dead needs the firewall on the path to the BMC (a network namespace of this station that routes to it)',
  ]);
  // A namespace that does not exist is refused by nft itself (ip netns exec), before anything is loaded.
  const declared = ctxFor((t) =>
    t.replace(
      'address: 10.10.99.11',
      'address: bmc-node1.example\n      firewall: { netns: havoc-no-such-netns }',
    ),
  );
  declared.inventory.hosts[0]!.fencing.levels = [{ devices: [{ type: 'bmc' }] }];
  const reasons = await bmcDeadRefusals(declared, 'node1');
  expect(reasons).toHaveLength(3);
  expect(reasons[0]).toBe(
    'host "node1" has no fencing level without its BMC: with the BMC dead nothing could fence it (add a switch-ports or virsh level)',
  );
  expect(reasons[1]).toBe(
    'the BMC of node1 is named bmc-node1.example: bmc-dead needs its address (nftables matches addresses)',
  );
  expect(reasons[2]).toMatch(
    /^cannot use nftables in network namespace havoc-no-such-netns: Cannot open network namespace/,
  );
});
