import { abortableSleep, deadlineSignal } from '../../core/deadline.js';
import { errorMessage } from '../../core/errors.js';
import { xapiLoginOf } from '../../inventory/xapi-login.js';
import { parseEventBatch, XapiError, XapiSession, type XapiTarget } from '../../protocols/xapi/index.js';
import { WatchEmitter, WatchVocabularyError } from './watch-emitter.js';
import type { RunningWatcher, Watcher, WatcherContext } from './watcher.js';
import { XapiPoolView } from './xapi-view.js';

/*
 * XenServer / XCP-ng through XAPI's event.from long poll (protocols/xapi):
 * one session, the classes below from the empty token (the whole state),
 * then every change as XAPI reports it. One call at a time: the next poll
 * starts when the last answered.
 */

export const XAPI_WATCHED_CLASSES = ['vm', 'host', 'host_metrics', 'pool'] as const;

export interface XapiWatchOptions {
  /** How long one event.from may wait on XAPI's side for a change (its `timeout`, seconds). */
  pollSeconds?: number;
  /** Wait before logging in again after a failure. */
  retryMs?: number;
}

const DEFAULTS: Required<XapiWatchOptions> = { pollSeconds: 30, retryMs: 1_000 };

/** Records of the XAPI watch, apart from the session loop (tested against the XAPI test server). */
export class XapiRecorder {
  readonly view: XapiPoolView;
  private readonly emit: WatchEmitter<'xapi'>;
  private reachable: boolean | undefined;

  constructor(
    ctx: Pick<WatcherContext, 'timeline' | 'inventory'>,
    private readonly via: string,
  ) {
    this.view = new XapiPoolView(ctx.inventory);
    this.emit = new WatchEmitter(ctx.timeline, 'xapi');
  }

  batch(result: unknown, ns: bigint, fromScratch: boolean): string {
    const batch = parseEventBatch(result);
    if (fromScratch) this.view.reset();
    for (const ev of batch.events) this.view.apply(ev);
    this.setReachable(true, undefined, ns);
    for (const n of this.view.nodes(this.via)) this.emit.state('node', n.subject, n.fields, ns, ['via']);
    for (const p of this.view.placements(this.via))
      this.emit.state('placement', p.subject, p.fields, ns, ['via']);
    const pool = this.view.poolState(this.via);
    if (pool) this.emit.state('pool', 'cluster', pool, ns, ['via']);
    return batch.token;
  }

  failed(error: string, ns: bigint): void {
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
}

export function watchXapi(ctx: WatcherContext, opts: XapiWatchOptions = {}): RunningWatcher {
  const o = { ...DEFAULTS, ...opts };
  const target: XapiTarget = xapiLoginOf(ctx.loaded);
  const recorder = new XapiRecorder(ctx, new URL(target.url).host);
  const stopping = new AbortController();
  let bug: unknown;

  const loop = async () => {
    while (!stopping.signal.aborted) {
      let session: XapiSession | undefined;
      try {
        session = await XapiSession.login(
          target,
          deadlineSignal(10_000, `XAPI login to ${target.url}`, stopping.signal),
          ctx.loaded.redactor,
        );
        let token = '';
        for (;;) {
          // XAPI holds the call up to pollSeconds when nothing changes; the HTTP deadline allows for that.
          const result = await session.call(
            'event.from',
            [[...XAPI_WATCHED_CLASSES], token, o.pollSeconds],
            deadlineSignal(o.pollSeconds * 1000 + 10_000, 'XAPI event.from', stopping.signal),
          );
          const fromScratch = token === '';
          token = recorder.batch(result, process.hrtime.bigint(), fromScratch);
        }
      } catch (err) {
        if (stopping.signal.aborted) break;
        if (err instanceof WatchVocabularyError) {
          bug = err;
          break;
        }
        // EVENTS_LOST, SESSION_INVALID, a pool master gone: log in again and start from the whole state.
        const why = err instanceof XapiError ? `${err.xapiCode}: ${err.message}` : errorMessage(err);
        recorder.failed(why, process.hrtime.bigint());
      } finally {
        await session?.logout();
      }
      await abortableSleep(o.retryMs, stopping.signal).catch(() => {});
    }
  };

  const done = loop().catch((err: unknown) => {
    bug = err;
  });

  return {
    name: 'xapi',
    async stop() {
      stopping.abort(new Error('watcher stopped'));
      await done;
      if (bug !== undefined) {
        ctx.log.error({ err: bug }, 'the XAPI watcher stopped');
        throw bug;
      }
    },
  };
}

export const xapiWatcher: Watcher = { name: 'xapi', start: (ctx) => watchXapi(ctx) };
