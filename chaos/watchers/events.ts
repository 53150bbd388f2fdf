import { z } from 'zod';

/*
 * The vocabulary of `watch` records on the timeline: what each watcher
 * writes and what the SLO verdicts (suites/verdicts/) read. One schema per
 * (watcher, event), so a writer cannot drift from its readers. A watcher
 * writes an event when what it sees changes (and once, first, for every
 * subject, so a verdict knows the state before the fault); `ns` is when
 * this station saw it, a peer's own time stays in a field.
 *
 * Subjects: "node:<inventory host>", "vm:<inventory vm>", "fence:<host>",
 * "cluster", "alert:<alertname>".
 */

/** Pacemaker node state, from crm_mon (watcher "pacemaker", subject "node:<host>"). */
export const pacemakerNode = z.strictObject({
  online: z.boolean(),
  unclean: z.boolean(),
  standby: z.boolean(),
  maintenance: z.boolean(),
  pending: z.boolean(),
  /** The node crm_mon was read from. */
  via: z.string(),
});

/** Where the HA manager runs a VM (subject "vm:<vm>"): every node it is active on, empty when stopped. */
export const vmPlacement = z.strictObject({
  /** Inventory host names; two or more is a VM running twice. */
  hosts: z.array(z.string()),
  /** Pacemaker's role (Started, Stopped, Migrating...), libvirt's state, XAPI's power_state. */
  role: z.string(),
  failed: z.boolean(),
  /** The HA manager's own id of the VM (a Pacemaker resource id, a XAPI uuid). */
  resource: z.string(),
  via: z.string(),
});

/** One entry of the fence history (subject "fence:<target host>"), written once per new entry and status. */
export const fenceEvent = z.strictObject({
  target: z.string(),
  action: z.string(),
  status: z.enum(['success', 'failed', 'pending']),
  delegate: z.string().optional(),
  origin: z.string().optional(),
  /** The node's own completion time as it printed it; display only, never compared with `ns`. */
  completed: z.string().optional(),
  exitReason: z.string().optional(),
});

/** The watcher could or could not read the HA manager (subject "cluster"): verdicts turn gaps into "inconclusive". */
export const reachability = z.strictObject({
  reachable: z.boolean(),
  error: z.string().optional(),
});

/**
 * libvirt / QMP lifecycle of a VM on one host (watcher "libvirt" or "qmp",
 * subject "vm:<vm>"). QMP writes every record when its line arrives, in the
 * order QEMU sent them, and what it asks QEMU as records of their own:
 * `query-status` (detail: QEMU's run state) when its watch of a QEMU
 * (re)connects and after each STOP, `query-migrate` (detail: the migration's
 * status) after a MIGRATION completed on the source.
 */
export const vmLifecycle = z.strictObject({
  host: z.string(),
  /** libvirt's event ("Started", "Stopped", "Suspended", "Resumed", "Migrated"...) or QMP's (STOP, RESUME, MIGRATION). */
  event: z.string(),
  /**
   * libvirt's detail, or for QMP: MIGRATION's status, SHUTDOWN's reason, query-status's run state (after a
   * STOP its reason: "io-error" for a VM paused on storage loss, "postmigrate" on a migration's source),
   * query-migrate's status.
   */
  detail: z.string().optional(),
  /** QMP query-status / query-migrate: what it was asked after ("connect", "STOP", "MIGRATION completed"). */
  after: z.string().optional(),
  /** QMP query-status on connect: query-migrate's status then, when the QEMU was in (or past) a migration. */
  migration: z.string().optional(),
  /** QMP query-status on connect: the events that status implies and that this watch did not see ("MIGRATION setup"...). */
  missed: z.array(z.string()).optional(),
  /** The peer's own timestamp as printed. */
  at: z.string().optional(),
  /** QMP: the QEMU process the event came from. */
  pid: z.number().int().optional(),
  /**
   * QMP query-migrate after MIGRATION completed on the source: downtime and total-time, ms, as QEMU reports
   * them once it has computed them (QEMU 7.2 answers 0 and 0 between the event and that moment: asked again).
   */
  downtimeMs: z.number().optional(),
  totalTimeMs: z.number().optional(),
  /** QMP: why QEMU's downtime was not read (no number is written then). */
  downtimeNotRead: z.string().optional(),
  /** QMP query-migrate: how many times it was asked before it said (or the watch gave up). */
  queries: z.number().int().optional(),
});

/** XAPI host liveness (watcher "xapi", subject "node:<host>"). */
export const xapiHost = z.strictObject({
  live: z.boolean(),
  enabled: z.boolean(),
  via: z.string(),
});

/** XAPI pool HA (watcher "xapi", subject "cluster"): HA switched off is a cluster that no longer restarts VMs. */
export const xapiPool = z.strictObject({
  haEnabled: z.boolean(),
  /** The pool master's host (inventory name where it has one). */
  master: z.string().optional(),
  via: z.string(),
});

/** An Alertmanager notification as the webhook receiver got it (watcher "alertmanager", subject "alert:<alertname>"). */
export const alertNotice = z.strictObject({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  /** Alertmanager's own time the alert started (display only, never compared with `ns`). */
  startsAt: z.string().optional(),
  /** Alertmanager's identity of the alert: one alertname may have several (a port per host). */
  fingerprint: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  /** The Alertmanager receiver that sent it (its name in alertmanager.yml). */
  receiver: z.string().optional(),
});

export const WATCH_EVENTS = {
  'pacemaker/node': pacemakerNode,
  'pacemaker/placement': vmPlacement,
  'pacemaker/fence': fenceEvent,
  'pacemaker/reachability': reachability,
  'libvirt/placement': vmPlacement,
  'libvirt/lifecycle': vmLifecycle,
  'libvirt/reachability': reachability,
  'qmp/lifecycle': vmLifecycle,
  /** From the QEMUs found with a -qmp socket; written only for VMs the watcher has found at least once. */
  'qmp/placement': vmPlacement,
  'qmp/reachability': reachability,
  'xapi/node': xapiHost,
  'xapi/placement': vmPlacement,
  'xapi/pool': xapiPool,
  'xapi/reachability': reachability,
  'alertmanager/alert': alertNotice,
  /**
   * The webhook receiver is listening (true when it starts; false when it
   * cannot listen, or a notification could not be read, then true again at
   * the next one it reads): lets a verdict tell "no alert" from "not listening".
   */
  'alertmanager/reachability': reachability,
} as const;

export type WatchEventKey = keyof typeof WATCH_EVENTS;
export type WatchFields<K extends WatchEventKey> = z.infer<(typeof WATCH_EVENTS)[K]>;

/** The `watcher/event` key of a record, and its fields parsed, or undefined for a record of another vocabulary. */
export function watchFields<K extends WatchEventKey>(
  key: K,
  record: { watcher: string; event: string; fields?: Record<string, unknown> | undefined },
): WatchFields<K> | undefined {
  if (`${record.watcher}/${record.event}` !== key) return undefined;
  const parsed = WATCH_EVENTS[key].safeParse(record.fields ?? {});
  return parsed.success ? (parsed.data as WatchFields<K>) : undefined;
}
