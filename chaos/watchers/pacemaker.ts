import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { errorMessage } from '../../core/errors.js';
import { crmMonHosts } from '../../inventory/ha-names.js';
import type { Inventory } from '../../inventory/schema.js';
import { sshLoginOfHaNode } from '../../inventory/ssh-login.js';
import {
  type CrmMonReading,
  CrmMonUnavailableError,
  readCrmMon,
  sshCrmMonRunner,
} from '../../protocols/pacemaker/index.js';
import { type PacemakerView, pacemakerView } from './pacemaker-view.js';
import { WatchEmitter } from './watch-emitter.js';
import type { RunningWatcher, Watcher, WatcherContext } from './watcher.js';

/*
 * Pacemaker as crm_mon shows it (protocols/pacemaker readCrmMon, the one
 * reader; its argv asks for the whole fence history), read over the run's
 * pooled SSH from the first node that answers, one read at a time: a read,
 * then a pause, so a slow cluster is never asked twice at once. Records are
 * stamped when the answer arrived on this station; a node's own times stay
 * in fields.
 */

export interface PacemakerWatchOptions {
  /** Pause between the end of one read and the start of the next. */
  pauseMs?: number;
  /** Deadline of one read, every node tried included. */
  readMs?: number;
  /** A node that hangs gives up after this, so the next one is asked within the read's deadline. */
  perNodeMs?: number;
}

// crm_mon on a surviving node can take seconds while the cluster elects a new DC and fences (seen in the HA lab).
const DEFAULTS: Required<PacemakerWatchOptions> = { pauseMs: 500, readMs: 20_000, perNodeMs: 8_000 };

/**
 * Who to ask, in order: the node that answered last, then the others, and the
 * nodes that failed the last read at the end. A powered-off node asked first
 * would spend its per-node timeout on every read, and with two of them the
 * node that would answer never gets its turn within the read's deadline.
 */
export function askOrder(
  nodes: readonly string[],
  lastAnswered: string | undefined,
  lastFailed: ReadonlySet<string> = new Set(),
): string[] {
  const first =
    lastAnswered !== undefined && nodes.includes(lastAnswered) && !lastFailed.has(lastAnswered)
      ? [lastAnswered]
      : [];
  const rest = nodes.filter((n) => !first.includes(n));
  return [...first, ...rest.filter((n) => !lastFailed.has(n)), ...rest.filter((n) => lastFailed.has(n))];
}

/** Change detection over successive readings: what to write for each, kept apart from the reading loop. */
export class PacemakerRecorder {
  private readonly emit: WatchEmitter<'pacemaker'>;
  private readonly seenFences = new Set<string>();
  private reachable: boolean | undefined;
  private first = true;

  constructor(
    ctx: Pick<WatcherContext, 'timeline' | 'log'>,
    private readonly inventory: Inventory,
  ) {
    this.emit = new WatchEmitter(ctx.timeline, 'pacemaker');
    this.log = ctx.log;
  }

  private readonly log: WatcherContext['log'];

  answered(reading: CrmMonReading, ns: bigint): void {
    this.setReachable(true, undefined, ns);
    const view = pacemakerView(reading.status, this.inventory, reading.node);
    if (this.first && view.unknownNodes.length > 0) {
      this.log.warn(
        { nodes: view.unknownNodes },
        'Pacemaker nodes the inventory does not list are not watched',
      );
    }
    // Which node answered is recorded, but a new one answering is no change of the cluster.
    // One reading can show a node lost, its fence and its VMs restarted elsewhere at once: the records keep
    // that causal order on the timeline (they share one `ns`).
    for (const n of view.nodes) this.emit.state('node', n.subject, n.fields, ns, ['via']);
    this.fences(view.fences, ns);
    for (const p of view.placements) this.emit.state('placement', p.subject, p.fields, ns, ['via']);
    this.first = false;
  }

  unanswered(error: string, ns: bigint): void {
    this.setReachable(false, error, ns);
  }

  private setReachable(reachable: boolean, error: string | undefined, ns: bigint): void {
    if (this.reachable === reachable) return;
    this.reachable = reachable;
    this.emit.occurrence(
      'reachability',
      'cluster',
      error === undefined ? { reachable } : { reachable, error },
      ns,
    );
  }

  private fences(fences: PacemakerView['fences'], ns: bigint): void {
    const fresh = fences.filter((f) => !this.seenFences.has(f.key));
    for (const f of fresh) this.seenFences.add(f.key);
    if (!this.first) {
      for (const f of fresh) this.emit.occurrence('fence', f.subject, f.fields, ns);
      return;
    }
    // The history before the watch started: only its newest entry per host, as that host's first observation.
    const newest = new Map<string, PacemakerView['fences'][number]>();
    for (const f of fresh) {
      const prev = newest.get(f.subject);
      if (!prev || f.order > prev.order) newest.set(f.subject, f);
    }
    for (const f of newest.values()) this.emit.occurrence('fence', f.subject, f.fields, ns);
  }
}

export function watchPacemaker(ctx: WatcherContext, opts: PacemakerWatchOptions = {}): RunningWatcher {
  const o = { ...DEFAULTS, ...opts };
  const stopping = new AbortController();
  const recorder = new PacemakerRecorder(ctx, ctx.inventory);
  const run = sshCrmMonRunner(ctx.ssh, (node) => sshLoginOfHaNode(ctx.inventory, node));
  const nodes = crmMonHosts(ctx.inventory);
  let lastAnswered: string | undefined;
  let lastFailed = new Set<string>();
  let bug: unknown;

  const readOnce = async (): Promise<undefined> => {
    let reading: CrmMonReading | undefined;
    let error = '';
    try {
      reading = await readCrmMon(askOrder(nodes, lastAnswered, lastFailed), run, {
        signal: deadlineSignal(o.readMs, 'one crm_mon read', stopping.signal),
        perNodeMs: o.perNodeMs,
      });
    } catch (err) {
      if (stopping.signal.aborted) return undefined;
      error = errorMessage(err);
      if (err instanceof CrmMonUnavailableError) lastFailed = new Set(err.failures.map((f) => f.node));
    }
    const ns = process.hrtime.bigint();
    if (reading) {
      lastAnswered = reading.node;
      lastFailed = new Set(reading.failures.map((f) => f.node));
      recorder.answered(reading, ns);
    } else {
      recorder.unanswered(error, ns);
    }
    return undefined;
  };

  const done = pollUntil(readOnce, stopping.signal, { initialMs: o.pauseMs, maxMs: o.pauseMs }).catch(
    (err: unknown) => {
      if (stopping.signal.aborted) return;
      // Not a cluster that did not answer (those are records): the watcher itself broke.
      bug = err;
      ctx.log.error({ err }, 'the Pacemaker watcher stopped');
    },
  );

  return {
    name: 'pacemaker',
    async stop() {
      stopping.abort(new Error('watcher stopped'));
      await done;
      if (bug !== undefined) throw bug;
    },
  };
}

export const pacemakerWatcher: Watcher = { name: 'pacemaker', start: (ctx) => watchPacemaker(ctx) };
