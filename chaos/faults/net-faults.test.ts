import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { connectionStates, parseEvents2 } from '../../protocols/drbd/index.js';
import { exampleFaultContext, exampleStation } from '../../test/chaos/example-fault-context.js';
import type { AnyFault } from '../fault.js';
import { refusalsOf } from '../refusals.js';
import { resumeStanding, wordsOfRunState } from '../storage-vms.js';
import { bandwidth, bandwidthVerdict, transferPlan } from './bandwidth.js';
import { drbdDisconnect } from './drbd-disconnect.js';
import { faultByName } from './index.js';
import { latency, netemRefusal } from './latency.js';
import { lossVerdict, packetLoss, roundTripLoss } from './packet-loss.js';
import { endpointOf, storageLoss } from './storage-loss.js';

const ctxFor = exampleFaultContext;
const inv = () => ctxFor().inventory;

it('lists the five faults by name', () => {
  expect(faultByName('packet-loss')).toBe(packetLoss);
  expect(faultByName('bandwidth')).toBe(bandwidth);
  expect(faultByName('latency')).toBe(latency);
  expect(faultByName('storage-loss')).toBe(storageLoss);
  expect(faultByName('drbd-disconnect')).toBe(drbdDisconnect);
});

it('packet-loss and bandwidth take hosts, a network, their number and optionally toward', () => {
  expect(packetLoss.fromCommandLine(['node1'], { network: 'data', percent: '30' }, inv())).toEqual({
    hosts: ['node1'],
    network: 'data',
    percent: 30,
  });
  expect(
    bandwidth.fromCommandLine(['node1'], { network: 'data', kbytesPerSecond: '500', toward: 'node2' }, inv()),
  ).toEqual({ hosts: ['node1'], network: 'data', kbytesPerSecond: 500, toward: ['node2'] });
  expect(() => packetLoss.fromCommandLine(['node1'], { network: 'data' }, inv())).toThrow(
    /packet-loss needs -p percent=N/,
  );
  expect(() => packetLoss.fromCommandLine(['node1'], { network: 'data', percent: '3.5' }, inv())).toThrow(
    /-p percent=3.5 is not a whole number/,
  );
  expect(() => packetLoss.fromCommandLine(['node1'], { percent: '30' }, inv())).toThrow(
    /needs -p network=NAME/,
  );
  expect(() =>
    packetLoss.fromCommandLine(['node1'], { network: 'data', percent: '30', rate: '1' }, inv()),
  ).toThrow(/packet-loss has no parameter "rate"/);
  expect(() => packetLoss.fromCommandLine([], { network: 'data', percent: '30' }, inv())).toThrow(
    /at least one host/,
  );
  // The schema bounds: a loss below 5% cannot be told from none with 200 pings; a limit below 100 kbytes/s takes too long to measure.
  expect(packetLoss.params.safeParse({ hosts: ['node1'], network: 'data', percent: 4 }).success).toBe(false);
  expect(packetLoss.params.safeParse({ hosts: ['node1'], network: 'data', percent: 96 }).success).toBe(false);
  expect(bandwidth.params.safeParse({ hosts: ['node1'], network: 'data', kbytesPerSecond: 99 }).success).toBe(
    false,
  );
  expect(packetLoss.describe({ hosts: ['node1'], network: 'data', percent: 30, toward: ['node2'] })).toEqual({
    summary: 'packet loss 30% each way: node1 on network data toward node2',
    targets: ['node1'],
    revert: 'delete nftables table inet havoc on node1 (nft -f over SSH)',
    secretRefs: [],
  });
});

it('refuses an unknown network, impairing every host (no observer left) and a host both impaired and toward, before any SSH', async () => {
  const ctx = ctxFor();
  const refuse = (p: unknown) => refusalsOf(packetLoss as AnyFault, p, ctx, exampleStation);
  expect(await refuse({ hosts: ['node1'], network: 'nope', percent: 30 })).toEqual([
    'network "nope" is not in the inventory (its networks: mgmt, heartbeat, storage, data, ipmi)',
  ]);
  const everyHost = await packetLoss.refuse(
    { hosts: ['node1', 'node2'], network: 'data', percent: 30 },
    { ...ctx, signal: AbortSignal.abort() },
  );
  expect(everyHost[0]).toMatch(/^host "node1" cannot be prepared over SSH/);
  expect(everyHost).toContain(
    'no host on network data is left to observe the packet-loss from outside (impair fewer hosts, or add -p toward=HOST)',
  );
});

it('judges a ping loss against the binomial band of 1 - (1 - p)^2', () => {
  expect(roundTripLoss(30)).toBeCloseTo(0.51, 10);
  // 200 pings at 30% each way: 102 expected, sigma 7.07 pings, band 74-130.
  expect(lossVerdict(200, 100, 30)).toBe('in-effect'); // seen on the lab (test/chaos/net-faults.integration.test.ts)
  expect(lossVerdict(200, 74, 30)).toBe('in-effect');
  expect(lossVerdict(200, 73, 30)).toBe('partial');
  expect(lossVerdict(200, 131, 30)).toBe('partial');
  expect(lossVerdict(200, 0, 30)).toBe('absent');
  expect(lossVerdict(200, 2, 30)).toBe('absent');
  // At the 5% floor the band (q 9.75%, sigma 2.1%) still starts above the 1% of "absent".
  expect(lossVerdict(200, 3, 5)).toBe('in-effect');
  expect(lossVerdict(200, 2, 5)).toBe('absent');
});

it('judges a transfer against the shortest time the limit and its bucket allow', () => {
  const plan = transferPlan(300);
  // 4 s of 300 KiB/s, less the bucket (1 s + 75 KiB burst), at 300 KiB/s.
  expect(plan.bytes).toBe(4 * 300 * 1024);
  expect(plan.minSeconds).toBeCloseTo(2.75, 5);
  expect(bandwidthVerdict({ bytes: plan.bytes, seconds: 2.9, cutShort: false }, 300)).toBe('in-effect');
  expect(bandwidthVerdict({ bytes: plan.bytes, seconds: 2.3, cutShort: false }, 300)).toBe('in-effect');
  expect(bandwidthVerdict({ bytes: plan.bytes, seconds: 2.0, cutShort: false }, 300)).toBe('partial');
  expect(bandwidthVerdict({ bytes: plan.bytes, seconds: 0.01, cutShort: false }, 300)).toBe('absent');
  expect(bandwidthVerdict({ bytes: 0, seconds: 0, cutShort: true }, 300)).toBe('partial');
});

it('latency refuses with what tc and modprobe said, and takes no toward', () => {
  // What NETEM_PROBE printed on this machine's kernel (6.18, no sch_netem module).
  const printed =
    'netem missing: tc qdisc add ... netem in a scratch namespace: Error: Specified qdisc kind is unknown.; modprobe -n sch_netem: modprobe: FATAL: Module sch_netem not found in directory /lib/modules/6.18.44-fc-v669\n';
  expect(netemRefusal('node1', printed)).toBe(
    'host "node1" cannot delay packets: the latency fault needs tc netem (the sch_netem kernel module), and tc qdisc add ... netem in a scratch namespace: Error: Specified qdisc kind is unknown.; modprobe -n sch_netem: modprobe: FATAL: Module sch_netem not found in directory /lib/modules/6.18.44-fc-v669 (packet-loss and bandwidth work without it)',
  );
  expect(netemRefusal('node1', 'netem ok\n')).toBeUndefined();
  expect(latency.fromCommandLine(['node1'], { network: 'data', delayMs: '50' }, inv())).toEqual({
    hosts: ['node1'],
    network: 'data',
    delayMs: 50,
  });
  expect(() =>
    latency.fromCommandLine(['node1'], { network: 'data', delayMs: '50', toward: 'node2' }, inv()),
  ).toThrow(/latency has no parameter "toward"/);
});

it('storage-loss: host side by default with the host its storage, target side on the storage, via ports resolved from link-down', () => {
  expect(storageLoss.fromCommandLine(['node1'], {}, inv())).toEqual({
    side: 'host',
    host: 'node1',
    storage: 'san',
    via: 'nftables',
  });
  expect(storageLoss.fromCommandLine(['san'], { side: 'target' }, inv())).toEqual({
    side: 'target',
    storage: 'san',
    via: 'nftables',
  });
  expect(storageLoss.fromCommandLine(['san'], { side: 'target', via: 'stop' }, inv())).toEqual({
    side: 'target',
    storage: 'san',
    via: 'stop',
  });
  // A ledger entry written before via=stop existed replays as the TCP reset it was.
  expect(storageLoss.params.parse({ side: 'target', storage: 'san' })).toEqual({
    side: 'target',
    storage: 'san',
    via: 'nftables',
  });
  const ports = storageLoss.fromCommandLine(['node1'], { via: 'ports' }, inv()) as { ports: unknown[] };
  expect(ports.ports.length).toBeGreaterThan(0);
  expect(() => storageLoss.fromCommandLine(['san'], { side: 'target', via: 'ports' }, inv())).toThrow(
    /side=target: via must be nftables or stop, got "ports"/,
  );
  expect(() => storageLoss.fromCommandLine(['san'], { side: 'target', storage: 'san' }, inv())).toThrow(
    /side=target takes the storage as TARGET and no storage=/,
  );
  expect(
    storageLoss.params.safeParse({
      side: 'target',
      storage: 'san',
      via: 'stop',
      daemon: [{ pid: 7, startTime: '1; kill' }],
    }).success,
  ).toBe(false);
  expect(() => storageLoss.fromCommandLine(['node1'], { side: 'middle' }, inv())).toThrow(
    /side must be host or target/,
  );
  expect(() => storageLoss.fromCommandLine(['node1', 'node2'], {}, inv())).toThrow(
    /one host or one storage, got 2/,
  );
  expect(
    storageLoss.params.safeParse({ side: 'host', host: 'node1', storage: 'san', via: 'wifi' }).success,
  ).toBe(false);
  expect(storageLoss.hosts({ side: 'target', storage: 'san', via: 'nftables' })).toEqual([]);
});

it('storage-loss refuses an unknown storage, a target side without a declared firewall, and DRBD or a named server', async () => {
  const ctx = ctxFor();
  expect(await storageLoss.refuse({ side: 'target', storage: 'nas', via: 'nftables' }, ctx)).toEqual([
    'storage "nas" is not in the inventory (its storage: san)',
  ]);
  expect(await storageLoss.refuse({ side: 'target', storage: 'san', via: 'nftables' }, ctx)).toEqual([
    'storage.san.firewall is not declared: storage-loss -p side=target needs the firewall in front of the server (a network namespace of this station)',
  ]);
  // via=stop needs storage[].daemon to say which process serves the storage; without it, nothing is guessed.
  const refused = await storageLoss.refuse({ side: 'target', storage: 'san', via: 'stop' }, ctx);
  expect(refused).toHaveLength(1);
  expect(refused[0]).toMatch(
    /^storage\.san\.daemon is not declared: storage-loss -p via=stop must know which process serves san: declare daemon: \{netns: NAME\}.* with program: NAME .* or pidFile: PATH$/,
  );
  await expect(storageLoss.resolve!({ side: 'target', storage: 'san', via: 'stop' }, ctx)).rejects.toThrow(
    /storage.san.daemon is not declared/,
  );
  const san = ctx.inventory.storage[0]!;
  expect(endpointOf(san)).toEqual({ address: '10.10.20.200', port: 3260 });
  expect(() => endpointOf({ ...san, type: 'nfs', server: 'filer.example', export: '/x' } as never)).toThrow(
    /storage san's server is named filer.example: storage-loss needs its address/,
  );
});

it("storage-loss's revert: a VM whose state cannot be read, or one it resumed that does not read running, keeps it from succeeding", () => {
  const hosts = ['host1', 'host2'];
  const unreadable = { host: 'host2', vm: 'vm1', state: 'unreadable (QMP query-status: no QMP greeting)' };
  expect(resumeStanding([unreadable], new Set(), hosts)).toEqual({
    paused: [],
    problems: ['VM vm1 on host2: unreadable (QMP query-status: no QMP greeting)'],
  });
  const paused = { host: 'host2', vm: 'vm1', state: wordsOfRunState('io-error') };
  expect(resumeStanding([paused], new Set(['vm1']), hosts)).toEqual({ paused: [paused], problems: [] });
  // Resumed, then gone from every host of the storage (its QEMU quit), or in another state: not done.
  expect(resumeStanding([], new Set(['vm1']), hosts).problems).toEqual([
    'VM vm1, resumed, runs on none of host1, host2 now',
  ]);
  expect(
    resumeStanding(
      [{ host: 'host2', vm: 'vm1', state: wordsOfRunState('postmigrate') }],
      new Set(['vm1']),
      hosts,
    ).problems,
  ).toEqual(['VM vm1, resumed, reads paused (postmigrate) on host2']);
  // Seen running (QMP, or virsh's words), here or on the host the cluster restarted it on: done.
  expect(
    resumeStanding(
      [{ host: 'host1', vm: 'vm1', state: wordsOfRunState('running') }],
      new Set(['vm1']),
      hosts,
    ),
  ).toEqual({ paused: [], problems: [] });
  expect(
    resumeStanding([{ host: 'host2', vm: 'vm1', state: 'running (unpaused)' }], new Set(['vm1']), hosts),
  ).toEqual({
    paused: [],
    problems: [],
  });
});

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'protocols', 'drbd', 'fixtures', name), 'utf8');

it('reads connection states from LINBIT UG9 events2 samples: Connected (--now dump), StandAlone then Connecting (changes)', () => {
  expect(connectionStates(parseEvents2(fixture('events2-9-statistics.txt')), 'r0')).toEqual(
    new Map([['remote-host', 'Connected']]),
  );
  const changes = parseEvents2(fixture('events2-9-standalone.txt'));
  expect(connectionStates(changes.slice(0, 1), 'r0')).toEqual(new Map([['remote-host', 'StandAlone']]));
  expect(connectionStates(changes, 'r0')).toEqual(new Map([['remote-host', 'Connecting']]));
  expect(connectionStates(changes, 'r1').size).toBe(0);
});

it('drbd-disconnect takes one host and a resource; refuses a resource not in the inventory or a host not its peer', async () => {
  const ctx = exampleFaultContext();
  expect(drbdDisconnect.fromCommandLine(['node1'], { resource: 'r0' }, ctx.inventory)).toEqual({
    host: 'node1',
    resource: 'r0',
  });
  expect(() => drbdDisconnect.fromCommandLine(['node1'], {}, ctx.inventory)).toThrow(
    /needs -p resource=NAME/,
  );
  expect(drbdDisconnect.params.safeParse({ host: 'node1', resource: 'r0; reboot' }).success).toBe(false);
  expect(await drbdDisconnect.refuse({ host: 'node1', resource: 'r0' }, ctx)).toEqual([
    'DRBD resource "r0" is not in the inventory (its resources: none)',
  ]);
});
