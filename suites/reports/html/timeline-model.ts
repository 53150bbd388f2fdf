import type { TimelineRecord } from '../../../chaos/timeline/index.js';
import { WATCH_EVENTS, type WatchEventKey, watchFields } from '../../../chaos/watchers/events.js';
import type { TimelineEvent } from '../../verdicts/verdict.js';
import { describeEvent, runOriginNs } from '../describe-event.js';
import { probeLane } from './probe-lane.js';
import type { Lane, Marker, Segment, TimelineModel, Window } from './timeline-types.js';

/*
 * What the HTML timeline draws, computed from the timeline alone (pure, so
 * it is tested without a browser): a lane per host (its cluster state as
 * the watchers saw it, fences as markers), a lane per VM (where the HA
 * manager placed it) with its probe below (runs of up/down, boot id
 * changes and lost writes marked: probe-lane.ts), the reachability of the HA manager, alerts, and the
 * windows in which a fault was in effect or an action ran.
 *
 * A state lasts from the record that reported it to the next record of the
 * same subject; before a subject's first record nothing is drawn (unknown is
 * not "fine"). A probe run stands from its first send to the next run's
 * first send, so a change is placed within one probe interval, the
 * resolution shown beside the lane.
 */

type Watch = Extract<TimelineRecord, { kind: 'watch' }>;

const byNs = (a: TimelineEvent, b: TimelineEvent) => {
  const d = BigInt(a.record.ns) - BigInt(b.record.ns);
  return d < 0n ? -1 : d > 0n ? 1 : a.line - b.line;
};

/** The record's vocabulary key, when the watcher/event pair is one of events.ts. */
function knownKey(w: Watch): WatchEventKey | undefined {
  const key = `${w.watcher}/${w.event}`;
  return Object.hasOwn(WATCH_EVENTS, key) ? (key as WatchEventKey) : undefined;
}

function subjectName(subject: string, prefix: string): string | undefined {
  return subject.startsWith(prefix) ? subject.slice(prefix.length) : undefined;
}

/** Consecutive state records of one subject as segments, each until the next one (the last until the end). */
function statesToSegments<T>(
  records: { at: bigint; value: T; event: TimelineEvent }[],
  endNs: bigint,
  draw: (value: T) => { label: string; cls: string },
  originNs: bigint,
): Segment[] {
  return records.map((r, i) => {
    const next = records[i + 1];
    const { label, cls } = draw(r.value);
    return {
      fromNs: r.at,
      toNs: next ? next.at : endNs,
      label,
      cls,
      detail: describeEvent(r.event, originNs),
    };
  });
}

function pacemakerState(f: NonNullable<ReturnType<typeof watchFields<'pacemaker/node'>>>): {
  label: string;
  cls: string;
} {
  if (f.unclean) return { label: 'unclean', cls: 's-unclean' };
  if (!f.online) return { label: 'offline', cls: 's-offline' };
  if (f.pending) return { label: 'pending', cls: 's-pending' };
  if (f.maintenance) return { label: 'maintenance', cls: 's-maintenance' };
  if (f.standby) return { label: 'standby', cls: 's-standby' };
  return { label: 'online', cls: 's-online' };
}

function ensure<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

export function buildTimelineModel(events: readonly TimelineEvent[]): TimelineModel {
  const sorted = [...events].sort(byNs);
  const originNs = runOriginNs(events);
  let endNs = originNs;
  for (const e of sorted) {
    const r = e.record;
    const ns = BigInt(r.ns);
    if (ns > endNs) endNs = ns;
    if (r.kind === 'probe') {
      const last = BigInt(r.lastSentNs ?? r.sentNs);
      if (last > endNs) endNs = last;
    }
  }

  type State = { at: bigint; value: { label: string; cls: string }; event: TimelineEvent };
  type Placed = { at: bigint; value: string[] | { failed: true; hosts: string[] }; event: TimelineEvent };
  // Per subject, per watcher: two watchers of one VM (Pacemaker and libvirt) disagree during a migration,
  // and merging their records would draw a flicker neither of them saw.
  const hostStates = new Map<string, Map<string, State[]>>();
  const fences = new Map<string, Marker[]>();
  const reach = new Map<
    string,
    { at: bigint; value: { label: string; cls: string }; event: TimelineEvent }[]
  >();
  const placements = new Map<string, Map<string, Placed[]>>();
  const lifecycle = new Map<string, Marker[]>();
  // Probe names in the order first seen; probe-lane.ts folds each one's samples into runs.
  const probes = new Set<string>();
  const alerts = new Map<string, { at: bigint; firing: boolean; event: TimelineEvent }[]>();
  const faults = new Map<
    string,
    { from?: bigint; to?: bigint; name: string; targets: string[]; lines: TimelineEvent[] }
  >();
  const actions = new Map<
    string,
    { from?: bigint; to?: bigint; action: string; targets: string[]; lines: TimelineEvent[]; failed: boolean }
  >();
  const steps = new Map<string, { from?: bigint; to?: bigint; name?: string; lines: TimelineEvent[] }>();

  for (const e of sorted) {
    const r = e.record;
    const at = BigInt(r.ns);
    if (r.kind === 'watch') {
      const w: Watch = r;
      const key = knownKey(w);
      if (key === undefined) continue;
      const host = subjectName(w.subject, 'node:');
      const vm = subjectName(w.subject, 'vm:');
      const pm = watchFields('pacemaker/node', w);
      const xn = watchFields('xapi/node', w);
      if (host !== undefined && pm)
        ensure(
          ensure(hostStates, host, () => new Map()),
          w.watcher,
          () => [],
        ).push({
          at,
          value: pacemakerState(pm),
          event: e,
        });
      else if (host !== undefined && xn)
        ensure(
          ensure(hostStates, host, () => new Map()),
          w.watcher,
          () => [],
        ).push({
          at,
          value: !xn.live
            ? { label: 'dead', cls: 's-offline' }
            : xn.enabled
              ? { label: 'live', cls: 's-online' }
              : { label: 'disabled', cls: 's-standby' },
          event: e,
        });
      else if (w.event === 'fence') {
        const f = watchFields('pacemaker/fence', w);
        const target = subjectName(w.subject, 'fence:') ?? f?.target;
        if (f && target !== undefined)
          ensure(fences, target, () => []).push({
            atNs: at,
            cls: `m-fence m-fence-${f.status}`,
            detail: describeEvent(e, originNs),
          });
      } else if (w.event === 'reachability') {
        const f = watchFields(key as 'pacemaker/reachability', w);
        if (f)
          ensure(reach, w.watcher, () => []).push({
            at,
            value: f.reachable
              ? { label: 'reachable', cls: 's-online' }
              : { label: 'unreachable', cls: 's-unknown' },
            event: e,
          });
      } else if (vm !== undefined && w.event === 'placement') {
        const f = watchFields(key as 'pacemaker/placement', w);
        if (f)
          ensure(
            ensure(placements, vm, () => new Map()),
            w.watcher,
            () => [],
          ).push({
            at,
            value: f.failed ? { failed: true, hosts: f.hosts } : f.hosts,
            event: e,
          });
      } else if (vm !== undefined && w.event === 'lifecycle') {
        ensure(lifecycle, vm, () => []).push({
          atNs: at,
          cls: 'm-lifecycle',
          detail: describeEvent(e, originNs),
        });
      } else if (w.event === 'alert') {
        const f = watchFields('alertmanager/alert', w);
        const name = subjectName(w.subject, 'alert:') ?? w.subject;
        if (f) ensure(alerts, name, () => []).push({ at, firing: f.status === 'firing', event: e });
      }
    } else if (r.kind === 'probe') {
      probes.add(r.probe);
    } else if (r.kind === 'ledger') {
      const f = ensure(faults, r.fault, () => ({ name: r.name, targets: r.targets, lines: [] }));
      f.lines.push(e);
      if ((r.state === 'injected' || r.state === 'verified') && f.from === undefined) f.from = at;
      if (r.state === 'reverted' || r.state === 'revert-failed') f.to = at;
    } else if (r.kind === 'action') {
      const a = ensure(actions, r.id, () => ({
        action: r.action,
        targets: r.targets,
        lines: [],
        failed: false,
      }));
      a.lines.push(e);
      if (r.phase === 'start') a.from = at;
      else {
        a.to = at;
        a.failed = r.phase === 'failed';
      }
    } else if (r.kind === 'step') {
      const s = ensure(steps, r.step, () => ({ lines: [] }));
      s.lines.push(e);
      if (r.name) s.name = r.name;
      if (r.phase === 'start') s.from = at;
      if (r.phase === 'end') s.to = at;
    }
  }

  // Host lanes: every host any record names, in the order first seen.
  const hosts: string[] = [];
  const addHost = (h: string) => {
    if (!hosts.includes(h)) hosts.push(h);
  };
  for (const h of hostStates.keys()) addHost(h);
  for (const byWatcher of placements.values())
    for (const list of byWatcher.values())
      for (const p of list) for (const h of Array.isArray(p.value) ? p.value : p.value.hosts) addHost(h);
  for (const h of fences.keys()) addHost(h);
  const hostIndex = (h: string) => hosts.indexOf(h);

  const lanes: Lane[] = [];
  const sourced = (name: string, watchers: string[], watcher: string | undefined) =>
    watcher !== undefined && watchers.length > 1 ? `${name} (${watcher})` : name;
  for (const h of hosts) {
    const byWatcher = hostStates.get(h) ?? new Map<string, State[]>();
    const watchers = [...byWatcher.keys()];
    (watchers.length ? watchers : [undefined]).forEach((watcher, i) =>
      lanes.push({
        kind: 'host',
        name: h,
        label: sourced(h, watchers, watcher),
        ...(watcher !== undefined ? { source: watcher } : {}),
        segments: statesToSegments(
          watcher !== undefined ? (byWatcher.get(watcher) ?? []) : [],
          endNs,
          (v) => v,
          originNs,
        ),
        markers: i === 0 ? (fences.get(h) ?? []) : [],
      }),
    );
  }
  for (const [watcher, list] of reach)
    lanes.push({
      kind: 'cluster',
      name: watcher,
      label: `${watcher} reachable`,
      segments: statesToSegments(list, endNs, (v) => v, originNs),
      markers: [],
    });

  const vms = [...new Set([...placements.keys(), ...lifecycle.keys()])];
  const drawPlacement = (v: Placed['value']) => {
    if (!Array.isArray(v))
      return { label: v.hosts.length ? `failed on ${v.hosts.join('+')}` : 'failed', cls: 'v-failed' };
    if (v.length === 0) return { label: 'stopped', cls: 'v-stopped' };
    if (v.length > 1) return { label: `TWICE: ${v.join('+')}`, cls: 'v-double' };
    return { label: v[0] as string, cls: `v-host h${hostIndex(v[0] as string) % 8}` };
  };
  for (const vm of vms) {
    const byWatcher = placements.get(vm) ?? new Map<string, Placed[]>();
    const watchers = [...byWatcher.keys()];
    (watchers.length ? watchers : [undefined]).forEach((watcher, i) =>
      lanes.push({
        kind: 'vm',
        name: vm,
        label: sourced(vm, watchers, watcher),
        ...(watcher !== undefined ? { source: watcher } : {}),
        segments: statesToSegments(
          watcher !== undefined ? (byWatcher.get(watcher) ?? []) : [],
          endNs,
          drawPlacement,
          originNs,
        ),
        markers: i === 0 ? (lifecycle.get(vm) ?? []) : [],
      }),
    );
    if (probes.has(vm)) lanes.push(probeLane(vm, sorted, endNs, originNs));
  }
  for (const name of probes) if (!vms.includes(name)) lanes.push(probeLane(name, sorted, endNs, originNs));

  for (const [name, list] of alerts) {
    const segments: Segment[] = [];
    list.forEach((a, i) => {
      if (!a.firing) return;
      const resolved = list.slice(i + 1).find((x) => !x.firing);
      segments.push({
        fromNs: a.at,
        toNs: resolved ? resolved.at : endNs,
        label: 'firing',
        cls: 'a-firing',
        detail:
          describeEvent(a.event, originNs) + (resolved ? `\n${describeEvent(resolved.event, originNs)}` : ''),
      });
    });
    lanes.push({
      kind: 'alert',
      name,
      label: `alert ${name}`,
      segments,
      markers: list.map((a) => ({
        atNs: a.at,
        cls: a.firing ? 'm-alert-firing' : 'm-alert-resolved',
        detail: describeEvent(a.event, originNs),
      })),
    });
  }

  const windows: Window[] = [];
  for (const [id, f] of faults) {
    if (f.from === undefined) continue; // intended or refused, never in effect
    windows.push({
      kind: 'fault',
      fromNs: f.from,
      toNs: f.to ?? endNs,
      closed: f.to !== undefined,
      label: `${f.name} ${f.targets.join(', ')}`,
      detail: [
        `fault ${f.name} (${id}) on ${f.targets.join(', ')}`,
        ...f.lines.map((l) => describeEvent(l, originNs)),
      ].join('\n'),
    });
  }
  for (const [id, a] of actions) {
    if (a.from === undefined) continue;
    windows.push({
      kind: 'action',
      fromNs: a.from,
      toNs: a.to ?? endNs,
      closed: a.to !== undefined,
      label: `${a.action} ${a.targets.join(', ')}${a.failed ? ' (failed)' : ''}`,
      detail: [`action ${a.action} (${id})`, ...a.lines.map((l) => describeEvent(l, originNs))].join('\n'),
    });
  }
  const stepWindows: Window[] = [];
  for (const [id, s] of steps) {
    if (s.from === undefined) continue;
    stepWindows.push({
      kind: 'step',
      fromNs: s.from,
      toNs: s.to ?? endNs,
      closed: s.to !== undefined,
      label: `${id}${s.name ? ` ${s.name}` : ''}`,
      detail: s.lines.map((l) => describeEvent(l, originNs)).join('\n'),
    });
  }
  return { originNs, endNs, lanes, windows, steps: stepWindows, hosts };
}
