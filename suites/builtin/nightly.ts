import { stringify } from 'yaml';
import type { Inventory } from '../../inventory/schema.js';
import { switchPortsOf } from '../../inventory/topology.js';
import type { BuiltinOptions, BuiltinSuite } from './builtin-suite.js';

type Step = Record<string, unknown> & { fault: string; expect: Record<string, unknown>[] };

/*
 * The alert each kind of step must raise (dashboards/alerts/groups/, read by
 * name: suites do not import dashboards; test/suites/alert-expectations.test.ts
 * checks that each exists with these labels). A host lost by power-off, hang,
 * crash, a heartbeat partition or corosync killed ends fenced off, so its BMC
 * reads power off or its SSH fails: HostDown. A storage port down:
 * HASwitchPortDown for the host's port. A dead BMC: BmcUnreachable.
 * Storage loss (nftables inside the host), pacemakerd killed, a live
 * migration and standby raise no alert havoc defines. Each alert expected to
 * fire is also expected to resolve after the revert (alertResolvedWithin,
 * the same alertname and labels): an alert that never clears pages for a
 * fault that is gone, and hides the next one.
 */
const fireAndResolve = (alertname: string, labels: Record<string, string>) => [
  { alertFiredWithin: { alertname, labels } },
  { alertResolvedWithin: { alertname, labels } },
];
const hostDown = fireAndResolve('HostDown', { instance: '$host' });
const portDown = fireAndResolve('HASwitchPortDown', { host: '$host' });
const bmcDown = (host: string) => fireAndResolve('BmcUnreachable', { instance: host });

/**
 * Every failure an HA virtualization cluster must survive, derived from the
 * inventory: for each HA VM, the host running it powered off, hung and
 * crashed; its storage path cut (one slave of a bond must cause no outage
 * and no fence; a single link is a storage loss); one host cut from the
 * heartbeat; a dead BMC (no fence for it), and a host hung while its BMC
 * is dead, so fencing must fall to the next level; corosync killed
 * (fenced, VMs restarted) and pacemakerd killed (must not fence); a live
 * migration of every VM; standby and back. Steps whose fault or action this
 * build lacks are left out, and the description says which.
 */
/*
 * A host's only storage path lost: the VM pauses on I/O error (error_policy
 * stop) or its writes hang on the dead path, and the HA manager sees it
 * running (VirtualDomain's monitor reads a paused domain as running), so
 * nothing fences or fails over, and the outage lasts as long as the fault.
 * What the operator can ask for is that the cluster does no harm meanwhile
 * (never twice, no lost write) and that the VM is back where it was once the
 * storage is: its writes resume, without a restart, and the steady state
 * holds again, both within the steady-state SLO of the revert. A VM that
 * answers its probe with a frozen disk is not back (the first nightly on the
 * lab, storage port down: the VM answered throughout, its counter frozen).
 */
const storageLoss = (vm: string) => [
  { noDoubleRun: { vm } },
  { noDataLoss: { vm } },
  { writesResumedWithin: { vm } },
  { steadyStateRestoredWithin: {} },
];

function nightlySteps(inv: Inventory, alerts: boolean): Step[] {
  const alert = (e: Record<string, unknown>[]) => (alerts ? e : []);
  const ha = inv.vms.filter((v) => v.haPriority === 'restart').map((v) => v.name);
  const steps: Step[] = [];
  const failover = (vm: string) => [
    { detectedWithin: { host: '$host' } },
    { fencedWithin: { host: '$host' } },
    { restartedWithin: { vm } },
    { noDoubleRun: { vm } },
    { noDataLoss: { vm } },
    ...alert(hostDown),
  ];
  for (const vm of ha) {
    const select = { host: { runningVm: vm } };
    steps.push({
      name: `power-off of the host running ${vm}`,
      select,
      fault: 'host-power-off',
      targets: ['$host'],
      hold: '10s',
      expect: failover(vm),
    });
    steps.push({
      name: `hang of the host running ${vm}`,
      select,
      fault: 'host-hang',
      targets: ['$host'],
      hold: '10s',
      expect: failover(vm),
    });
    steps.push({
      name: `crash of the host running ${vm}`,
      select,
      fault: 'host-crash',
      targets: ['$host'],
      hold: '10s',
      expect: failover(vm),
    });
  }
  const storageNets = inv.networks.filter((n) => n.role === 'storage').map((n) => n.name);
  const firstHa = ha[0];
  if (firstHa && storageNets.length) {
    const select = { host: { runningVm: firstHa } };
    const homes = inv.hosts.find((h) => h.name === inv.vms.find((v) => v.name === firstHa)?.homeHost);
    const bonded = homes?.bonds.some(
      (b) => b.networks.some((n) => storageNets.includes(n)) && b.slaves.length >= 2,
    );
    if (bonded) {
      steps.push({
        name: `one storage bond slave of the host running ${firstHa} down`,
        select,
        fault: 'link-down',
        targets: ['$host'],
        params: { port: { storagePortOf: '$host' } },
        hold: '30s',
        expect: [
          { notFenced: { host: '$host' } },
          { maxServiceDowntime: { vm: firstHa } },
          { noDataLoss: { vm: firstHa } },
          ...alert(portDown),
        ],
      });
    } else if (homes && switchPortsOf(homes, storageNets).length) {
      // A single link: the same step is a storage loss (storageLoss below says what is expected of one).
      steps.push({
        name: `the storage link of the host running ${firstHa} down (a single link: storage loss)`,
        select,
        fault: 'link-down',
        targets: ['$host'],
        params: { port: { storagePortOf: '$host' } },
        hold: '20s',
        expect: [...storageLoss(firstHa), ...alert(portDown)],
      });
    }
    steps.push({
      name: `storage loss of the host running ${firstHa}`,
      select,
      fault: 'storage-loss',
      targets: ['$host'],
      hold: '20s',
      expect: storageLoss(firstHa),
    });
  }
  if (firstHa) {
    const select = { host: { runningVm: firstHa } };
    // corosync on two or more networks (knet links) survives the loss of one: no fence and no outage, as a
    // bond with two slaves; on one network the host is cut off and must be fenced, its VM restarted.
    const heartbeat = inv.networks.find((n) => n.role === 'heartbeat')?.name ?? 'heartbeat';
    const links = inv.haManager?.type === 'pacemaker' ? (inv.haManager.heartbeatNetworks ?? []) : [];
    const redundant = links.length >= 2 && links.includes(heartbeat);
    steps.push({
      name: redundant
        ? `heartbeat partition of the host running ${firstHa} (one of its ${links.length} corosync links: no fence, no outage)`
        : `heartbeat partition of the host running ${firstHa}`,
      select,
      fault: 'network-partition',
      targets: ['$host'],
      params: { network: heartbeat },
      hold: redundant ? '30s' : '10s',
      expect: redundant
        ? [
            { notFenced: { host: '$host' } },
            { maxServiceDowntime: { vm: firstHa } },
            { noDoubleRun: { vm: firstHa } },
            { noDataLoss: { vm: firstHa } },
          ]
        : [
            { fencedWithin: { host: '$host' } },
            { restartedWithin: { vm: firstHa } },
            { noDoubleRun: { vm: firstHa } },
            { noDataLoss: { vm: firstHa } },
            ...alert(hostDown),
          ],
    });
    steps.push({
      name: `corosync killed on the host running ${firstHa}`,
      select,
      fault: 'daemon-kill',
      targets: ['$host'],
      params: { daemon: 'corosync' },
      hold: '10s',
      expect: [
        { fencedWithin: { host: '$host' } },
        { restartedWithin: { vm: firstHa } },
        { noDoubleRun: { vm: firstHa } },
        ...alert(hostDown),
      ],
    });
    steps.push({
      name: `pacemakerd killed on the host running ${firstHa}`,
      select,
      fault: 'daemon-kill',
      targets: ['$host'],
      params: { daemon: 'pacemakerd' },
      hold: '30s',
      expect: [{ notFenced: { host: '$host' } }, { noDoubleRun: { vm: firstHa } }],
    });
  }
  const fallback = inv.hosts.find((h) => h.bmc && h.fencing.levels.length >= 2);
  if (fallback && firstHa) {
    steps.push({
      name: `BMC of ${fallback.name} dead: fencing must fall to its next level, and the host must not be fenced for it`,
      fault: 'bmc-dead',
      targets: [fallback.name],
      hold: '10s',
      expect: [{ notFenced: { host: fallback.name } }, ...alert(bmcDown(fallback.name))],
    });
    // The case the next level exists for: the host must be fenced while its BMC cannot answer. The host
    // is drawn when the step starts, so every host needs a next level.
    if (inv.hosts.every((h) => h.bmc && h.fencing.levels.length >= 2))
      steps.push({
        name: `hang of the host running ${firstHa} while its BMC is dead: fenced through its next level`,
        select: { host: { runningVm: firstHa } },
        while: [{ fault: 'bmc-dead', targets: ['$host'] }],
        fault: 'host-hang',
        targets: ['$host'],
        hold: '10s',
        expect: [
          { fencedWithin: { host: '$host' } },
          { restartedWithin: { vm: firstHa } },
          { noDoubleRun: { vm: firstHa } },
        ],
      });
  }
  for (const vm of inv.vms.map((v) => v.name))
    steps.push({
      name: `live migration of ${vm}`,
      fault: 'live-migrate',
      params: { vm },
      hold: '5s',
      expect: [
        { maxServiceDowntime: { vm } },
        { migratedWithin: { vm } },
        { noDoubleRun: { vm } },
        { noDataLoss: { vm } },
      ],
    });
  if (firstHa)
    steps.push({
      name: `standby of the host running ${firstHa} and back`,
      select: { host: { runningVm: firstHa } },
      fault: 'host-standby',
      params: { host: '$host' },
      hold: '10s',
      expect: [
        { notFenced: { host: '$host' } },
        { noDoubleRun: { vm: firstHa } },
        { noDataLoss: { vm: firstHa } },
      ],
    });
  return steps;
}

export const nightlySuite: BuiltinSuite = {
  name: 'nightly',
  summary:
    'every failure an HA cluster must survive, derived from the inventory: power-off, hang and crash of the host running each HA VM, storage, heartbeat, BMC, daemons, live migration of every VM, standby',
  yaml(inv, faults, o: BuiltinOptions = {}) {
    const all = nightlySteps(inv, o.alerts === true);
    const steps = all.filter((s) => faults.includes(s.fault));
    const missing = [...new Set(all.filter((s) => !faults.includes(s.fault)).map((s) => s.fault))];
    const noAlerts = o.alerts
      ? ''
      : ' Without an Alertmanager webhook receiver (--alert-webhook HOST:PORT) the steps expect no alerts.';
    const description = `The nightly suite for cluster ${inv.cluster.name}.${missing.length ? ` Left out, not in this havoc build: ${missing.join(', ')}.` : ''}${noAlerts}`;
    return stringify({ version: 1, name: 'nightly', description, steps });
  },
};
