import { expect, it } from 'vitest';
import {
  exampleFaultContext,
  exampleInventoryFile,
  exampleStation,
} from '../../test/chaos/example-fault-context.js';
import type { AnyFault, FaultContext } from '../fault.js';
import { refusalsOf } from '../refusals.js';
import { daemonKill } from './daemon-kill.js';
import { hostCrash } from './host-crash.js';
import { hostHang } from './host-hang.js';
import { faultByName } from './index.js';

const file = exampleInventoryFile;
const refusals = (fault: AnyFault, ctx: FaultContext, params: unknown) =>
  refusalsOf(fault, params, ctx, exampleStation);
/** The example with hosts.node2.chaos declared (inserted before node2's fencing section). */
const declaring = (chaos: string) =>
  exampleFaultContext((t) => {
    const at = t.indexOf('    fencing:', t.indexOf('  - name: node2'));
    return `${t.slice(0, at)}    chaos: ${chaos}\n${t.slice(at)}`;
  });

it('lists host-crash, host-hang and daemon-kill by name', () => {
  expect(faultByName('host-crash')).toBe(hostCrash);
  expect(faultByName('host-hang')).toBe(hostHang);
  expect(faultByName('daemon-kill')).toBe(daemonKill);
});

it('the inventory refuses an unknown crash method or key in hosts[].chaos, naming it', () => {
  expect(() => declaring('{ crash: panic }')).toThrow(/chaos\.crash/);
  expect(() => declaring('{ crash: nmi, freeze: yes }')).toThrow(/freeze/);
  expect(
    declaring('{ crash: nmi, hang: { netns: lab-h2 }, services: lab }').inventory.hosts[1]!.chaos,
  ).toEqual({
    crash: 'nmi',
    hang: { netns: 'lab-h2' },
    services: 'lab',
  });
});

it('host-crash takes one host, and refuses a host without a declared crash method or without a BMC', async () => {
  const inv = exampleFaultContext().inventory;
  expect(hostCrash.fromCommandLine(['node2'], {}, inv)).toEqual({ host: 'node2' });
  expect(() => hostCrash.fromCommandLine(['node1', 'node2'], {}, inv)).toThrow(/acts on one host, got 2/);
  expect(() => hostCrash.fromCommandLine(['node2'], { method: 'nmi' }, inv)).toThrow(
    /host-crash has no parameter "method"/,
  );
  expect(await refusals(hostCrash as AnyFault, exampleFaultContext(), { host: 'node2' })).toEqual([
    "hosts.node2.chaos.crash is not declared: say how node2 may be crashed (sysrq: echo c > /proc/sysrq-trigger over SSH, needs kdump off; nmi: the BMC's diagnostic interrupt, needs a kernel that panics on NMI)",
  ]);
  expect(await refusals(hostCrash as AnyFault, exampleFaultContext(), { host: 'node7' })).toEqual([
    `host "node7" is not in the inventory ${file} (its hosts: node1, node2)`,
  ]);
  const nmi = declaring('{ crash: nmi }');
  expect(await refusals(hostCrash as AnyFault, nmi, { host: 'node2' })).toEqual([]);
  delete nmi.inventory.hosts[1]!.bmc;
  expect(await refusals(hostCrash as AnyFault, nmi, { host: 'node2' })).toEqual([
    'host "node2" has no bmc: host-crash crashes the host and brings it back through its BMC (add hosts.node2.bmc)',
  ]);
  const unfenced = declaring('{ crash: nmi }');
  unfenced.inventory.hosts[1]!.fencing.levels = [];
  expect(await refusals(hostCrash as AnyFault, unfenced, { host: 'node2' })).toEqual([
    'host "node2" has no fencing levels: a host-crash needs a cluster that can fence the host (add hosts.node2.fencing.levels)',
  ]);
  expect(hostCrash.describe({ host: 'node2' })).toEqual({
    summary: 'crash node2 (power stays on)',
    targets: ['node2'],
    revert: 'power node2 off and on through its BMC (unless it is already back) and wait for SSH to answer',
    secretRefs: [],
  });
});

it('host-hang refuses a host without a declared way to freeze it, saying what to declare, and a namespace that does not exist', async () => {
  expect(await refusals(hostHang as AnyFault, exampleFaultContext(), { host: 'node2' })).toEqual([
    'hosts.node2.chaos.hang is not declared: say how node2 may be frozen (cgroups: systemd, or cgroups: [/sys/fs/cgroup/PATH, ...] for a real host, over SSH; netns: NAME for a lab host)',
  ]);
  const missing = declaring('{ hang: { netns: havoc-no-such-netns } }');
  expect(await refusals(hostHang as AnyFault, missing, { host: 'node2' })).toEqual([
    'network namespace havoc-no-such-netns does not exist on this station (no /run/netns/havoc-no-such-netns)',
  ]);
  expect(hostHang.describe({ host: 'node2' }).summary).toBe('hang node2 (every process stopped, power on)');
});

it('the inventory takes hang.cgroups as systemd or a list of /sys/fs/cgroup directories, naming the wrong one', () => {
  expect(declaring('{ hang: { cgroups: systemd } }').inventory.hosts[1]!.chaos?.hang).toEqual({
    cgroups: 'systemd',
  });
  expect(
    declaring("{ hang: { cgroups: [/sys/fs/cgroup/system.slice/, '/sys/fs/cgroup/unified/lab host'] } }")
      .inventory.hosts[1]!.chaos?.hang,
  ).toEqual({ cgroups: ['/sys/fs/cgroup/system.slice', '/sys/fs/cgroup/unified/lab host'] });
  expect(() => declaring('{ hang: { cgroups: [/sys/fs/cgroup/system.slice, /tmp/x] } }')).toThrow(
    /hosts\[1\]\.chaos\.hang\.cgroups\[1\]: is not a cgroup directory under \/sys\/fs\/cgroup\/; found the string "\/tmp\/x"/,
  );
  expect(() => declaring('{ hang: { cgroups: [/sys/fs/cgroup/a/../b] } }')).toThrow(
    /hang\.cgroups\[0\]: is not a cgroup directory without "\." or "\.\." parts/,
  );
  expect(() => declaring('{ hang: { cgroups: [/sys/fs/cgroup/] } }')).toThrow(
    /hang\.cgroups\[0\]: is not a cgroup directory under/,
  );
  expect(() => declaring('{ hang: { cgroups: [] } }')).toThrow(/hang\.cgroups: .*expected at least 1 item/);
  expect(() => declaring('{ hang: { cgroups: sytemd } }')).toThrow(
    /hang\.cgroups: .*found the string "sytemd"; expected systemd, or a list of cgroup directories/,
  );
  expect(() => declaring('{ hang: { netns: lab-h2, cgroups: systemd } }')).toThrow(
    /hosts\[1\]\.chaos\.hang: is not exactly one of netns .* or cgroups/,
  );
  expect(() => declaring('{ hang: {} }')).toThrow(/chaos\.hang.*exactly one of netns/);
  expect(() => declaring('{ hang: { cgroup: systemd } }')).toThrow(/hang\.cgroup: unknown key "cgroup"/);
});

it('host-hang over SSH refuses a host without a BMC (the only way back in) before reaching it', async () => {
  const ctx = declaring('{ hang: { cgroups: systemd } }');
  delete ctx.inventory.hosts[1]!.bmc;
  expect(await refusals(hostHang as AnyFault, ctx, { host: 'node2' })).toEqual([
    'host "node2" has no bmc: once frozen, node2 is reached only through its BMC (power on after a fence, or a power cycle) (add hosts.node2.bmc)',
  ]);
  delete ctx.inventory.hosts[1]!.ssh;
  expect(await refusals(hostHang as AnyFault, ctx, { host: 'node2' })).toEqual([
    'host "node2" has no bmc: once frozen, node2 is reached only through its BMC (power on after a fence, or a power cycle) (add hosts.node2.bmc)',
    'host "node2" has no ssh section: host-hang sees the hang by SSH no longer answering',
  ]);
});

it('daemon-kill parses its command line: daemon, vm with qemu only, loop and interval', () => {
  const inv = exampleFaultContext().inventory;
  const cli = (o: Record<string, string>, targets = ['node1']) => daemonKill.fromCommandLine(targets, o, inv);
  expect(cli({ daemon: 'corosync' })).toEqual({
    host: 'node1',
    daemon: 'corosync',
    loop: 1,
    intervalMs: 2000,
  });
  expect(cli({ daemon: 'qemu', vm: 'db01' })).toEqual({
    host: 'node1',
    daemon: 'qemu',
    vm: 'db01',
    loop: 1,
    intervalMs: 2000,
  });
  expect(cli({ daemon: 'pacemaker-controld', loop: '3', interval: '500ms' })).toEqual({
    host: 'node1',
    daemon: 'pacemaker-controld',
    loop: 3,
    intervalMs: 500,
  });
  expect(() => cli({})).toThrow(/daemon-kill needs -p daemon=NAME/);
  expect(() => cli({ daemon: 'sshd' })).toThrow(/daemon-kill cannot kill "sshd"/);
  expect(() => cli({ daemon: 'qemu' })).toThrow(/needs -p vm=NAME/);
  expect(() => cli({ daemon: 'qemu', vm: 'web9' })).toThrow(
    /VM "web9" is not in the inventory \(its VMs: db01/,
  );
  expect(() => cli({ daemon: 'corosync', vm: 'db01' })).toThrow(/-p vm= goes with -p daemon=qemu only/);
  expect(() => cli({ daemon: 'corosync', loop: '0' })).toThrow(/-p loop= takes a whole number from 1 to 100/);
  expect(() => cli({ daemon: 'corosync', loop: 'x' })).toThrow(/not "x"/);
  expect(() => cli({ daemon: 'corosync', interval: '2s' })).toThrow(/-p interval= goes with -p loop=N/);
  expect(() => cli({ daemon: 'corosync', loop: '2', interval: 'soon' })).toThrow(
    /-p interval= takes a duration/,
  );
  expect(() => cli({ daemon: 'corosync', signal: 'TERM' })).toThrow(/daemon-kill has no parameter "signal"/);
  expect(() => cli({ daemon: 'corosync' }, ['node1', 'node2'])).toThrow(/acts on one host, got 2/);
  expect(daemonKill.params.safeParse({ host: 'node1', daemon: 'qemu' }).success).toBe(false);
  expect(daemonKill.params.safeParse({ host: 'node1', daemon: 'libvirtd', vm: 'db01' }).success).toBe(false);
  expect(
    daemonKill.describe(daemonKill.params.parse(cli({ daemon: 'corosync', loop: '3', interval: '2s' }))),
  ).toEqual({
    summary: 'kill -9 corosync on node1, 3 times 2000 ms apart',
    targets: ['node1'],
    revert:
      'bring node1 back if it was fenced, then let its service manager start corosync again and wait until it runs',
    secretRefs: [],
  });
});

it('daemon-kill refuses a host that declares nothing to restart its daemons, or has no SSH, before reaching it', async () => {
  expect(
    await refusals(daemonKill as AnyFault, exampleFaultContext(), {
      host: 'node2',
      daemon: 'corosync',
      loop: 1,
      intervalMs: 2000,
    }),
  ).toEqual([
    'hosts.node2.chaos.services is not declared: daemon-kill needs to know what restarts a killed daemon on node2 (systemd, or lab)',
  ]);
  const noSsh = declaring('{ services: systemd }');
  delete noSsh.inventory.hosts[1]!.ssh;
  expect(
    await refusals(daemonKill as AnyFault, noSsh, {
      host: 'node2',
      daemon: 'corosync',
      loop: 1,
      intervalMs: 2000,
    }),
  ).toEqual(['host "node2" has no ssh section: daemon-kill finds and kills the daemon over SSH']);
});
