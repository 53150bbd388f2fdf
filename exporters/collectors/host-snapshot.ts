import { errorMessage, HavocError } from '../../core/errors.js';
import {
  type BondSlaveSysfs,
  type BondStatus,
  type BondSysfs,
  parseBondingSlaveSysfs,
  parseBondingSysfs,
  parseProcBonding,
} from '../../protocols/bonding/index.js';
import {
  type DrbdPeerVolume,
  drbdStatusToPeerVolumes,
  events2ToPeerVolumes,
  parseDrbdStatusJson,
  parseEvents2,
  parseProcDrbd,
  procDrbdToPeerVolumes,
} from '../../protocols/drbd/index.js';
import {
  domstateIsStuck,
  parseVirshDominfo,
  parseVirshDomstate,
  parseVirshList,
  type VirshDomainState,
} from '../../protocols/libvirt/index.js';
import { classifyMessage } from '../../protocols/qmp/framing.js';
import { parseXlList } from '../../protocols/xen/index.js';
import { QMP_DEADLINE_SECONDS } from './host-qmp-reader.js';
import type { ScriptSection } from './host-sections.js';

/** What one host scrape saw, parsed; every source is optional and fails on its own. */
export interface HostSnapshot {
  memory: { totalBytes: number; availableBytes: number } | undefined;
  load: { load1: number; load5: number; load15: number } | undefined;
  cpus: number | undefined;
  bonds: HostBond[];
  nics: HostNic[];
  missingNics: string[];
  drbd: { source: 'drbdsetup' | 'proc'; volumes: DrbdPeerVolume[] } | undefined;
  vms: HostVm[];
  /** Sources tried this scrape -> undefined when they parsed, else what went wrong. */
  sources: Map<HostSource, string | undefined>;
}

export type HostSource = 'memory' | 'cpu' | 'bonding' | 'nics' | 'drbd' | 'libvirt' | 'xen' | 'qmp';

export interface HostBond {
  name: string;
  proc: BondStatus;
  sysfs: BondSysfs;
  slaves: Map<string, BondSlaveSysfs>;
}

export interface HostNic {
  name: string;
  operstate: string;
  mtu: number | undefined;
  /** undefined when the driver reports none (-1, or a virtual NIC). */
  speedMbps: number | undefined;
  counters: Record<
    'rxErrors' | 'txErrors' | 'rxDropped' | 'txDropped' | 'rxBytes' | 'txBytes' | 'carrierChanges',
    number | undefined
  >;
}

/** One VM state vocabulary for libvirt, Xen and QEMU: virsh's words, snake_case. */
export const VM_STATES = [
  'running',
  'idle',
  'paused',
  'in_shutdown',
  'shut_off',
  'crashed',
  'pmsuspended',
  'no_state',
] as const;
export type VmState = (typeof VM_STATES)[number];

export interface HostVm {
  name: string;
  source: 'libvirt' | 'xen' | 'qemu';
  state: VmState;
  /** Why it is in that state, where the source says (virsh --reason, QMP RunState). */
  reason: string | undefined;
  /** Frozen rather than deliberately paused (I/O error, watchdog, panic): HA has to act. */
  stuck: boolean;
  vcpus: number | undefined;
  memoryBytes: number | undefined;
}

function virshState(s: VirshDomainState): VmState {
  return s.replace(' ', '_') as VmState;
}

// QMP RunState (qapi/run-state.json) -> the shared vocabulary; the RunState itself becomes the reason.
const QMP_STATES: Record<string, VmState> = {
  running: 'running',
  paused: 'paused',
  inmigrate: 'paused',
  postmigrate: 'paused',
  prelaunch: 'paused',
  'finish-migrate': 'paused',
  'restore-vm': 'paused',
  'save-vm': 'paused',
  'io-error': 'paused',
  watchdog: 'paused',
  debug: 'paused',
  colo: 'paused',
  suspended: 'pmsuspended',
  shutdown: 'shut_off',
  'guest-panicked': 'crashed',
  'internal-error': 'crashed',
};
const QMP_STUCK = new Set(['io-error', 'watchdog', 'guest-panicked', 'internal-error']);

function sectionError(s: ScriptSection, what: string): string | undefined {
  if (s.rc === undefined || s.rc === 0) return undefined;
  const out = s.body.trim().split('\n').slice(-3).join(' | ');
  return `${what} exited with ${s.rc}${out ? `: ${out}` : ''}`;
}

function intOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

export function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } {
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
    if (!m) throw new HavocError('host-parse', `/proc/meminfo: no "${key}:" line`);
    return Number(m[1]) * 1024;
  };
  return { totalBytes: kib('MemTotal'), availableBytes: kib('MemAvailable') };
}

export function parseLoadavg(text: string): { load1: number; load5: number; load15: number } {
  const m = /^([\d.]+) ([\d.]+) ([\d.]+) /.exec(text.trim());
  if (!m)
    throw new HavocError(
      'host-parse',
      `/proc/loadavg: expected "<1m> <5m> <15m> ...", got ${JSON.stringify(text.trim())}`,
    );
  return { load1: Number(m[1]), load5: Number(m[2]), load15: Number(m[3]) };
}

function parseNic(name: string, body: string): HostNic {
  const fields = new Map<string, string>();
  for (const line of body.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const speed = intOrUndefined(fields.get('speed'));
  return {
    name,
    operstate: fields.get('operstate') || 'unknown',
    mtu: intOrUndefined(fields.get('mtu')),
    speedMbps: speed !== undefined && speed > 0 ? speed : undefined,
    counters: {
      rxErrors: intOrUndefined(fields.get('statistics/rx_errors')),
      txErrors: intOrUndefined(fields.get('statistics/tx_errors')),
      rxDropped: intOrUndefined(fields.get('statistics/rx_dropped')),
      txDropped: intOrUndefined(fields.get('statistics/tx_dropped')),
      rxBytes: intOrUndefined(fields.get('statistics/rx_bytes')),
      txBytes: intOrUndefined(fields.get('statistics/tx_bytes')),
      carrierChanges: intOrUndefined(fields.get('carrier_changes')),
    },
  };
}

/** A disk of a QEMU command line with its cache mode, as QEMU's -drive cache= names them. */
export interface QemuDisk {
  /** node-name / id, or the file. */
  name: string;
  /** writeback (QEMU's default), none, directsync, writethrough or unsafe. */
  cache: string;
}

/** -drive / -blockdev options as a map ("a=b,c=d"; a JSON -blockdev is read too). */
function qemuOptions(value: string): Map<string, string> {
  if (value.startsWith('{')) {
    const flat = new Map<string, string>();
    const walk = (o: unknown, prefix: string) => {
      if (typeof o !== 'object' || o === null) return;
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === 'object' && v !== null) walk(v, `${prefix}${k}.`);
        else flat.set(`${prefix}${k}`, String(v));
      }
    };
    try {
      walk(JSON.parse(value), '');
    } catch {
      // not JSON after all: read as key=value
    }
    if (flat.size) return flat;
  }
  const opts = new Map<string, string>();
  // QEMU writes a comma inside a value as ",,".
  for (const part of value.replaceAll(',,', '\0').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) opts.set(part.slice(0, eq), part.slice(eq + 1).replaceAll('\0', ','));
  }
  return opts;
}

const on = (v: string | undefined) => v === 'on' || v === 'true' || v === 'yes';

/**
 * The cache mode of a -drive or -blockdev, in -drive's words: cache.direct
 * on = O_DIRECT (none, or directsync with writeback off), cache.no-flush on =
 * unsafe (QEMU's block-layer options, qemu-options.hx "-drive cache=").
 */
function cacheMode(opts: Map<string, string>): string {
  const named = opts.get('cache');
  if (named) return named;
  const direct = on(opts.get('cache.direct'));
  if (on(opts.get('cache.no-flush'))) return 'unsafe';
  const writeback = opts.get('cache.writeback') === undefined || on(opts.get('cache.writeback'));
  if (direct) return writeback ? 'none' : 'directsync';
  return writeback ? 'writeback' : 'writethrough';
}

/**
 * What the live checks and the host collector read from a QEMU command line:
 * vCPUs and memory (-smp N|cpus=N, -m N[M|G]|size=N), the guest CPU (-cpu,
 * absent: QEMU's default named model), the accelerator (-accel, or
 * -machine accel=; TCG emulates the CPU, so the host's never reaches the
 * guest), and every -drive / -blockdev with its cache mode. A -blockdev
 * chain (a format node over a protocol node) is one disk: the node the
 * others do not name as their file.
 */
export function qemuCmdline(args: string[]): {
  name: string | undefined;
  vcpus: number | undefined;
  memoryBytes: number | undefined;
  cpu: string | undefined;
  accel: string | undefined;
  disks: QemuDisk[];
} {
  const after = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const all = (flag: string) =>
    args.flatMap((a, i) => (a === flag && args[i + 1] !== undefined ? [args[i + 1]!] : []));
  const nameArg = after('-name');
  const name = nameArg?.split(',').map((p) => p.replace(/^guest=/, ''))[0];
  const smp = after('-smp');
  const cpus = smp ? /(?:^|,)(?:cpus=)?(\d+)(?:,|$)/.exec(smp)?.[1] : undefined;
  const mem = after('-m');
  const m = mem ? /(?:^|,)(?:size=)?(\d+)([MGT]?)(?:,|$)/i.exec(mem) : null;
  const unit = { '': 2 ** 20, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[
    (m?.[2] ?? '').toUpperCase() as '' | 'M' | 'G' | 'T'
  ];
  const machineAccel = qemuOptions(after('-machine') ?? '').get('accel');
  const accel =
    after('-accel')?.split(',')[0] ?? machineAccel ?? (args.includes('-enable-kvm') ? 'kvm' : undefined);
  const drives = all('-drive').map((v) => {
    const o = qemuOptions(v);
    return { name: o.get('id') ?? o.get('file') ?? o.get('if') ?? 'drive', cache: cacheMode(o) };
  });
  const nodes = all('-blockdev').map(qemuOptions);
  const referenced = new Set(nodes.map((o) => o.get('file')).filter((f) => f !== undefined));
  const blockdevs = nodes
    .filter((o) => !referenced.has(o.get('node-name') ?? ''))
    .map((o) => ({ name: o.get('node-name') ?? o.get('driver') ?? 'blockdev', cache: cacheMode(o) }));
  return {
    name,
    vcpus: cpus === undefined ? (smp ? undefined : 1) : Number(cpus),
    memoryBytes: m ? Number(m[1]) * unit : undefined,
    cpu: after('-cpu')?.split(',')[0],
    accel,
    disks: [...drives, ...blockdevs],
  };
}

function qmpStatus(body: string): { status: string; running: boolean } {
  let status: { status: string; running: boolean } | undefined;
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    const msg = classifyMessage(JSON.parse(line));
    if (msg.kind === 'error') throw new HavocError('qmp-error', `QMP: ${msg.errorClass}: ${msg.desc}`);
    if (msg.kind === 'return' && typeof msg.value === 'object' && msg.value && 'status' in msg.value) {
      const v = msg.value as { status: unknown; running: unknown };
      status = { status: String(v.status), running: v.running === true };
    }
  }
  if (!status) throw new HavocError('qmp-parse', 'QMP: no query-status reply');
  return status;
}

/** Builds the snapshot; a source that fails to parse is recorded in `sources` and the rest goes on. */
export function hostSnapshot(sections: ScriptSection[]): HostSnapshot {
  const snap: HostSnapshot = {
    memory: undefined,
    load: undefined,
    cpus: undefined,
    bonds: [],
    nics: [],
    missingNics: [],
    drbd: undefined,
    vms: [],
    sources: new Map(),
  };
  // A failure sticks to its source (the first one is kept), but the source's other items are still read:
  // one QEMU or NIC that cannot be read must not hide the others.
  const attempt = (source: HostSource, fn: () => void) => {
    try {
      fn();
      if (!snap.sources.has(source)) snap.sources.set(source, undefined);
    } catch (err) {
      if (snap.sources.get(source) === undefined) snap.sources.set(source, errorMessage(err));
    }
  };
  const fail = (message: string | undefined) => {
    if (message) throw new HavocError('host-source', message);
  };

  const bondSysfs = new Map<string, Record<string, string>>();
  const slaveSysfs = new Map<string, Map<string, Record<string, string>>>();
  const procBonds = new Map<string, ScriptSection>();
  const domstates = new Map<string, ScriptSection>();
  const dominfos = new Map<string, ScriptSection>();
  const qemuArgs = new Map<string, string[]>();
  const qmpAnswered = new Set<string>();
  let drbdJson: ScriptSection | undefined;
  let drbdEvents: ScriptSection | undefined;

  for (const s of sections) {
    const [a0 = '', a1 = '', a2 = ''] = s.args;
    switch (s.name) {
      case 'meminfo':
        attempt('memory', () => {
          fail(sectionError(s, 'cat /proc/meminfo'));
          snap.memory = parseMeminfo(s.body);
        });
        break;
      case 'loadavg':
        attempt('cpu', () => {
          fail(sectionError(s, 'cat /proc/loadavg'));
          snap.load = parseLoadavg(s.body);
        });
        break;
      case 'nproc':
        attempt('cpu', () => {
          fail(sectionError(s, 'nproc'));
          const n = intOrUndefined(s.body);
          if (n === undefined)
            throw new HavocError('host-parse', `nproc printed ${JSON.stringify(s.body.trim())}`);
          snap.cpus = n;
        });
        break;
      case 'bond':
        procBonds.set(a0, s);
        break;
      case 'bond-sysfs': {
        const files = bondSysfs.get(a0) ?? {};
        files[a1] = s.body;
        bondSysfs.set(a0, files);
        break;
      }
      case 'bond-slave-sysfs': {
        const bySlave = slaveSysfs.get(a0) ?? new Map<string, Record<string, string>>();
        const files = bySlave.get(a1) ?? {};
        files[a2] = s.body;
        bySlave.set(a1, files);
        slaveSysfs.set(a0, bySlave);
        break;
      }
      case 'nic':
        attempt('nics', () => snap.nics.push(parseNic(a0, s.body)));
        break;
      case 'nic-missing':
        snap.missingNics.push(a0);
        break;
      case 'drbd-status-json':
        drbdJson = s;
        break;
      case 'drbd-events2':
        drbdEvents = s;
        break;
      case 'proc-drbd':
        attempt('drbd', () => {
          fail(sectionError(s, 'cat /proc/drbd'));
          const proc = parseProcDrbd(s.body);
          if (!proc.isDrbd9) snap.drbd = { source: 'proc', volumes: procDrbdToPeerVolumes(proc) };
        });
        break;
      case 'virsh-list':
        attempt('libvirt', () => {
          fail(sectionError(s, 'virsh list --all'));
          for (const d of parseVirshList(s.body)) {
            snap.vms.push({
              name: d.name,
              source: 'libvirt',
              state: virshState(d.state),
              reason: undefined,
              stuck: d.state === 'crashed',
              vcpus: undefined,
              memoryBytes: undefined,
            });
          }
        });
        break;
      case 'virsh-domstate':
        domstates.set(s.args.join(' '), s);
        break;
      case 'virsh-dominfo':
        dominfos.set(s.args.join(' '), s);
        break;
      case 'xl-list':
        attempt('xen', () => {
          fail(sectionError(s, 'xl list'));
          for (const d of parseXlList(s.body)) {
            if (d.id === 0) continue; // dom0 is the host itself
            const f = d.state;
            const state: VmState = f.crashed
              ? 'crashed'
              : f.paused
                ? 'paused'
                : f.shutdown || f.dying
                  ? 'in_shutdown'
                  : f.running
                    ? 'running'
                    : f.blocked
                      ? 'idle'
                      : 'no_state';
            snap.vms.push({
              name: d.name,
              source: 'xen',
              state,
              reason: undefined,
              stuck: f.crashed,
              vcpus: d.vcpus,
              memoryBytes: d.memMiB * 2 ** 20,
            });
          }
        });
        break;
      case 'qemu':
        qemuArgs.set(
          a0,
          s.body.split('\n').filter((l) => l !== ''),
        );
        break;
      case 'qmp':
        qmpAnswered.add(a0);
        attempt('qmp', () => {
          // The reader's lines say, per -qmp socket, why it did not answer (host-qmp-reader.ts).
          const why = s.body.trim().split('\n').join('; ');
          if (s.rc === 4) return; // the QEMU exited between the listing and the read: not a VM any more
          if (s.rc === 2)
            throw new HavocError('qmp-unreachable', `QEMU pid ${a0}: no QMP socket could be used: ${why}`);
          if (s.rc === 3)
            throw new HavocError(
              'timeout',
              `QEMU pid ${a0}: QMP did not answer within ${QMP_DEADLINE_SECONDS} s: ${why}`,
            );
          fail(sectionError(s, `QMP query-status of pid ${a0}`));
          const args = qemuArgs.get(a0) ?? [];
          const info = qemuCmdline(args);
          const { status } = qmpStatus(s.body);
          snap.vms.push({
            name: info.name ?? `qemu-${a0}`,
            source: 'qemu',
            state: QMP_STATES[status] ?? 'no_state',
            reason: status,
            stuck: QMP_STUCK.has(status),
            vcpus: info.vcpus,
            memoryBytes: info.memoryBytes,
          });
        });
        break;
      case 'qmp-reader':
        attempt('qmp', () => fail(sectionError(s, 'the QMP reader (perl)')));
        break;
      default:
        break;
    }
  }
  for (const pid of qemuArgs.keys()) {
    if (!qmpAnswered.has(pid))
      attempt('qmp', () => fail(`QEMU pid ${pid}: the host script printed no QMP answer for it`));
  }

  for (const [name, s] of procBonds) {
    attempt('bonding', () => {
      fail(sectionError(s, `cat /proc/net/bonding/${name}`));
      const slaves = new Map<string, BondSlaveSysfs>();
      for (const [slave, files] of slaveSysfs.get(name) ?? [])
        slaves.set(slave, parseBondingSlaveSysfs(files));
      snap.bonds.push({
        name,
        proc: parseProcBonding(s.body, name),
        sysfs: parseBondingSysfs(bondSysfs.get(name) ?? {}),
        slaves,
      });
    });
  }

  if (drbdJson) {
    const json = drbdJson;
    attempt('drbd', () => {
      // events2 --statistics carries resync progress the JSON of older drbd-utils lacks; JSON is the fallback.
      if (drbdEvents && (drbdEvents.rc ?? 0) === 0) {
        snap.drbd = { source: 'drbdsetup', volumes: events2ToPeerVolumes(parseEvents2(drbdEvents.body)) };
        return;
      }
      fail(sectionError(json, 'drbdsetup status --json'));
      snap.drbd = { source: 'drbdsetup', volumes: drbdStatusToPeerVolumes(parseDrbdStatusJson(json.body)) };
    });
  }

  for (const vm of snap.vms) {
    if (vm.source !== 'libvirt') continue;
    const st = domstates.get(vm.name);
    const info = dominfos.get(vm.name);
    attempt('libvirt', () => {
      if (st && (st.rc ?? 0) === 0) {
        const parsed = parseVirshDomstate(st.body);
        vm.state = virshState(parsed.state);
        vm.reason = parsed.reason;
        vm.stuck = domstateIsStuck(parsed);
      }
      if (info && (info.rc ?? 0) === 0) {
        const parsed = parseVirshDominfo(info.body);
        vm.vcpus = parsed.cpus;
        vm.memoryBytes = parsed.maxMemoryBytes;
      }
    });
  }
  return snap;
}
