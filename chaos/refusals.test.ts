import { expect, it } from 'vitest';
import {
  exampleFaultContext,
  exampleInventoryFile,
  exampleStation,
} from '../test/chaos/example-fault-context.js';
import type { AnyFault, FaultContext } from './fault.js';
import { networkPartition } from './faults/network-partition.js';
import { refusalsOf } from './refusals.js';

const station = exampleStation;
const ctxFor = exampleFaultContext;
const file = exampleInventoryFile;
const partition = (groups: string[][]) => ({ network: 'heartbeat', groups });
const refusals = (ctx: FaultContext, groups: string[][]) =>
  refusalsOf(networkPartition as AnyFault, partition(groups), ctx, station);

it('refuses a host that is not in the inventory, naming the hosts it has', async () => {
  expect(
    await refusals(
      ctxFor((t) => t),
      [['node1'], ['node7']],
    ),
  ).toEqual([`host "node7" is not in the inventory ${file} (its hosts: node1, node2)`]);
});

it("refuses a host whose address is one of the station's own", async () => {
  const ctx = ctxFor((t) => t.replace('address: 10.10.5.12', 'address: 10.10.5.1'));
  expect(await refusals(ctx, [['node1'], ['node2']])).toEqual([
    'host "node2" is the management station itself (address 10.10.5.1 is 10.10.5.1, an address of this machine): havoc never injects faults into the machine it runs on',
  ]);
});

it('refuses a host that resolves to loopback, and one named as the station', async () => {
  const ctx = ctxFor((t) => t.replace('address: 10.10.5.12', 'address: localhost'));
  const r = await refusalsOf(networkPartition as AnyFault, partition([['node1'], ['node2']]), ctx, {
    ...station,
    hostname: 'node1',
  });
  expect(r).toHaveLength(2);
  expect(r[0]).toMatch(/^host "node1" is the management station itself \(its name is this machine's/);
  expect(r[1]).toMatch(
    /^host "node2" is the management station itself \(address localhost is (127\.0\.0\.1|::1)/,
  );
});

it('refuses a partition of a host the cluster cannot fence', async () => {
  const ctx = ctxFor((t) => t);
  ctx.inventory.hosts[1]!.fencing.levels = [];
  expect(await refusals(ctx, [['node1'], ['node2']])).toEqual([
    'host "node2" has no fencing levels: a network-partition needs a cluster that can fence the host (add hosts.node2.fencing.levels)',
  ]);
});

it('builds its groups from the command line: the targets against every other host on the network', () => {
  const inv = ctxFor((t) => t).inventory;
  expect(networkPartition.fromCommandLine(['node1'], { network: 'heartbeat' }, inv)).toEqual(
    partition([['node1'], ['node2']]),
  );
  expect(() => networkPartition.fromCommandLine(['node1'], { netwrok: 'heartbeat' }, inv)).toThrow(
    /no parameter "netwrok"/,
  );
  expect(networkPartition.params.safeParse(partition([['node1'], ['node1']])).success).toBe(false);
  expect(networkPartition.params.safeParse(partition([['node1']])).success).toBe(false);
  expect(networkPartition.describe(partition([['node1'], ['node2']]))).toEqual({
    summary: 'partition network heartbeat: node1 | node2',
    targets: ['node1', 'node2'],
    revert: 'delete nftables table inet havoc on node1, node2 (nft -f over SSH)',
    secretRefs: [],
  });
});
