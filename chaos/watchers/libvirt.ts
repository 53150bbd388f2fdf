import { abortableSleep, deadlineSignal } from '../../core/deadline.js';
import { errorMessage } from '../../core/errors.js';
import { shCommand } from '../../core/shell-quote.js';
import type { HostConfig } from '../../inventory/schema.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import {
  LineSplitter,
  lifecycleOf,
  parseVirshEventLine,
  parseVirshList,
} from '../../protocols/libvirt/index.js';
import { HostsReachability } from './hosts-reachability.js';
import { LibvirtDomains } from './libvirt-view.js';
import { streamWatchPool } from './stream-pool.js';
import { WatchEmitter, WatchVocabularyError } from './watch-emitter.js';
import type { RunningWatcher, Watcher, WatcherContext } from './watcher.js';

/*
 * Every host's libvirtd: `virsh list --all` when the watch (re)connects, then
 * `virsh event --all --loop --timestamp` as one long-lived SSH exec whose
 * lines become `libvirt/lifecycle` records as they arrive. When the stream
 * ends (the host powered off, libvirtd restarted) the host's domains become
 * unknown and the watch reconnects until the host answers again.
 */

export interface LibvirtWatchOptions {
  /** Wait between attempts to reach a host that does not answer. */
  retryMs?: number;
  /** Deadline of `virsh list`. */
  listMs?: number;
}

const DEFAULTS: Required<LibvirtWatchOptions> = { retryMs: 1_000, listMs: 10_000 };

/** libvirt's URI: the inventory's for a libvirt cluster, the system QEMU driver under Pacemaker's VirtualDomain. */
function uriOf(ctx: WatcherContext): string {
  const hm = ctx.inventory.haManager;
  return hm?.type === 'libvirt' ? hm.uri : 'qemu:///system';
}

/** Records and state of the libvirt watch, apart from the SSH loops (tested on captured virsh output). */
export class LibvirtRecorder {
  readonly domains: LibvirtDomains;
  private readonly emit: WatchEmitter<'libvirt'>;
  private readonly splitters = new Map<string, LineSplitter>();

  constructor(ctx: Pick<WatcherContext, 'timeline' | 'log' | 'inventory'>, hosts: readonly string[]) {
    this.emit = new WatchEmitter(ctx.timeline, 'libvirt');
    this.reach = new HostsReachability(hosts, (f, ns) =>
      this.emit.occurrence('reachability', 'cluster', f, ns),
    );
    this.domains = new LibvirtDomains(ctx.inventory);
    this.log = ctx.log;
  }

  private readonly log: WatcherContext['log'];
  private readonly reach: HostsReachability;

  listed(host: string, listText: string, ns: bigint): void {
    this.domains.listed(host, parseVirshList(listText));
    this.splitters.set(host, new LineSplitter());
    this.changed(host, '', ns);
  }

  lost(host: string, why: string, ns: bigint): void {
    this.domains.lost(host);
    this.changed(host, why, ns);
  }

  /** A chunk of the host's event stream; complete lines become records, stamped when they arrived. */
  stream(host: string, chunk: string, ns: bigint): void {
    const splitter = this.splitters.get(host) ?? new LineSplitter();
    this.splitters.set(host, splitter);
    for (const line of splitter.push(chunk)) {
      let ev: ReturnType<typeof parseVirshEventLine>;
      try {
        ev = parseVirshEventLine(line);
      } catch (err) {
        this.log.warn({ host, line }, errorMessage(err));
        continue;
      }
      const life = ev && lifecycleOf(ev);
      if (!ev || !life) continue;
      const vm = this.domains.vmOf(ev.domain);
      this.domains.event(host, ev.domain, life);
      if (vm) {
        this.emit.occurrence(
          'lifecycle',
          `vm:${vm}`,
          {
            host,
            event: life.event,
            ...(life.detail ? { detail: life.detail } : {}),
            ...(ev.at ? { at: ev.at } : {}),
          },
          ns,
        );
      }
      this.placements(host, ns);
    }
  }

  private changed(host: string, why: string, ns: bigint): void {
    this.reach.set(host, why, ns);
    this.placements(host, ns);
  }

  private placements(via: string, ns: bigint): void {
    if (!this.reach.everyHostTried) return;
    for (const p of this.domains.placements(via))
      this.emit.state('placement', p.subject, p.fields, ns, ['via']);
  }
}

export function watchLibvirt(ctx: WatcherContext, opts: LibvirtWatchOptions = {}): RunningWatcher {
  const o = { ...DEFAULTS, ...opts };
  const uri = uriOf(ctx);
  const stopping = new AbortController();
  const recorder = new LibvirtRecorder(
    ctx,
    ctx.inventory.hosts.map((h) => h.name),
  );
  const pool = streamWatchPool();
  const virsh = (...args: string[]) => shCommand(['virsh', '--connect', uri, ...args]);
  let bug: unknown;

  const watchHost = async (host: HostConfig) => {
    const login = sshLoginOf(host);
    while (!stopping.signal.aborted) {
      let why: string;
      try {
        const list = await pool.exec(login, virsh('list', '--all'), {
          signal: deadlineSignal(o.listMs, `virsh list on ${host.name}`, stopping.signal),
          what: 'virsh list',
        });
        recorder.listed(host.name, list.stdout, process.hrtime.bigint());
        const ended = await pool.exec(login, virsh('event', '--all', '--loop', '--timestamp'), {
          signal: stopping.signal,
          what: 'virsh event',
          allowFailure: true,
          onStdout: (chunk) => {
            try {
              recorder.stream(host.name, chunk, process.hrtime.bigint());
            } catch (err) {
              // A record the vocabulary refuses is a bug of this watcher: stop it, and stop() reports it.
              bug ??= err;
              ctx.log.error({ err, host: host.name }, 'the libvirt watcher stopped');
              stopping.abort(new Error('libvirt watcher failed'));
            }
          },
        });
        why = `virsh event ended (exit ${ended.exitCode ?? ended.signal}${ended.stderr.trim() ? `: ${ended.stderr.trim()}` : ''})`;
      } catch (err) {
        if (stopping.signal.aborted) return;
        if (err instanceof WatchVocabularyError) throw err;
        why = errorMessage(err);
      }
      recorder.lost(host.name, why, process.hrtime.bigint());
      await abortableSleep(o.retryMs, stopping.signal).catch(() => {});
    }
  };

  const done = Promise.all(
    ctx.inventory.hosts.map((h) =>
      watchHost(h).catch((err: unknown) => {
        bug ??= err;
        ctx.log.error({ err, host: h.name }, 'the libvirt watcher of a host stopped');
      }),
    ),
  );

  return {
    name: 'libvirt',
    async stop() {
      stopping.abort(new Error('watcher stopped'));
      await done;
      pool.close();
      if (bug !== undefined) throw bug;
    },
  };
}

export const libvirtWatcher: Watcher = { name: 'libvirt', start: (ctx) => watchLibvirt(ctx) };
