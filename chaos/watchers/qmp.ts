import { abortableSleep, deadlineSignal } from '../../core/deadline.js';
import { errorMessage } from '../../core/errors.js';
import type { HostConfig } from '../../inventory/schema.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import type { QmpClient } from '../../protocols/qmp/client.js';
import type { QmpEvent } from '../../protocols/qmp/framing.js';
import { parseQemuScan, QEMU_SCAN_SH, type ScannedQemu } from '../qemu-scan.js';
import { openQmpOnHost } from '../qmp-on-host.js';
import { type EventFacts, QmpRecorder } from './qmp-view.js';
import { streamWatchPool } from './stream-pool.js';
import { WatchVocabularyError } from './watch-emitter.js';
import type { RunningWatcher, Watcher, WatcherContext } from './watcher.js';

/*
 * QEMU's own view of the VMs havoc's qemu-vm agent runs (QEMUs started with
 * -qmp, not by libvirt): every host is scanned for such QEMUs, and each is
 * watched over one of its QMP sockets through an SSH channel to the unix
 * socket (direct-streamlocal: sshd connects, nothing runs on the host), for
 * the whole time it lives. A QEMU monitor serves one client at a time, so
 * the watcher holds the LAST -qmp socket of the command line, which the
 * lab's QEMUs give observers (lab/vm/qemuArgs.ts: the first is the OCF
 * agent's, held only for an action); the exporter's QMP reader tries every
 * socket, so it still reads the first. A QEMU with a single -qmp socket is
 * not watched: holding it would starve its owner.
 *
 * On connect the watch turns on the migration capability `events` (QEMU
 * sends MIGRATION events only with it; it changes nothing else) and asks
 * query-status; after a STOP it asks query-status again (the reason:
 * io-error, finish-migrate, paused), after MIGRATION completed on the source
 * query-migrate (QEMU's downtime). A QEMU that appears later (a restart, the
 * target of a migration) is found by the next scan.
 */

export interface QmpWatchOptions {
  /** Between scans of a host for new QEMUs. */
  scanMs?: number;
  /** Deadline of one scan, and of the QMP greeting and first commands. */
  connectMs?: number;
}

const DEFAULTS: Required<QmpWatchOptions> = { scanMs: 1_000, connectMs: 5_000 };

/** The socket an observer may hold: the last of two or more; none when QEMU has only one. */
export function observerSocketOf(q: ScannedQemu): string | undefined {
  return q.qmpSockets.length >= 2 ? q.qmpSockets.at(-1) : undefined;
}

export function watchQmp(ctx: WatcherContext, opts: QmpWatchOptions = {}): RunningWatcher {
  const o = { ...DEFAULTS, ...opts };
  const stopping = new AbortController();
  const recorder = new QmpRecorder(
    ctx,
    ctx.inventory.hosts.map((h) => h.name),
  );
  const pool = streamWatchPool();
  const watching = new Map<string, Promise<void>>();
  /** host and socket path of every watch, open or opening. */
  const sockets = new Set<string>();
  const warned = new Set<string>();
  let bug: unknown;
  const failed = (err: unknown, host: string) => {
    bug ??= err;
    ctx.log.error({ err, host }, 'the QMP watcher stopped');
    stopping.abort(new Error('QMP watcher failed'));
  };

  /** Watches one QEMU until its connection ends; resolves then (the next scan decides what follows). */
  const watchQemu = async (host: HostConfig, q: ScannedQemu, vm: string, socket: string) => {
    const what = `VM ${vm} (QEMU PID ${q.pid}) on ${host.name}`;
    let client: QmpClient | undefined;
    try {
      const signal = deadlineSignal(o.connectMs, `QMP watch of ${what}`, stopping.signal);
      client = await openQmpOnHost(pool, host, socket, what, signal);
      const qmp = client;
      // Events are queued with the time they arrived and handled one after another: a STOP's reason is asked
      // before the next event is written, so the records keep QEMU's order.
      let chain = Promise.resolve();
      qmp.onEvent((ev) => {
        const ns = process.hrtime.bigint();
        try {
          recorder.arrived(host.name, q.pid, ev, ns);
        } catch (err) {
          failed(err, host.name);
        }
        chain = chain.then(async () => {
          const facts = await factsAfter(qmp, ev);
          try {
            recorder.event(host.name, q.pid, vm, ev, ns, facts, process.hrtime.bigint());
          } catch (err) {
            failed(err, host.name);
          }
        });
      });
      await qmp
        .execute('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: true }] })
        .catch((err: unknown) => {
          // Refused while a migration runs ("There's a migration process in progress"): its events are missed.
          ctx.log.info({ host: host.name, vm, err: errorMessage(err) }, 'QMP migration events not enabled');
        });
      const status = await qmp.execute<{ status: string; running: boolean }>('query-status', undefined, {
        signal,
      });
      recorder.connected(host.name, q.pid, vm, status, process.hrtime.bigint());
      await new Promise<void>((resolve) => {
        const onStop = () => resolve();
        stopping.signal.addEventListener('abort', onStop, { once: true });
        // The connection ends when the QEMU exits, or the host goes away.
        qmp.onClose(() => {
          stopping.signal.removeEventListener('abort', onStop);
          resolve();
        });
      });
      await chain;
    } catch (err) {
      if (err instanceof WatchVocabularyError) throw err;
      if (!stopping.signal.aborted)
        ctx.log.info({ host: host.name, vm, err: errorMessage(err) }, 'QMP watch ended');
    } finally {
      client?.destroy();
      if (!stopping.signal.aborted) recorder.disconnected(host.name, q.pid, process.hrtime.bigint());
    }
  };

  const scanHost = async (host: HostConfig) => {
    const login = sshLoginOf(host);
    while (!stopping.signal.aborted) {
      try {
        const out = await pool.exec(login, QEMU_SCAN_SH, {
          signal: deadlineSignal(o.connectMs, `QEMU scan of ${host.name}`, stopping.signal),
          what: 'the QEMU scan',
        });
        const ns = process.hrtime.bigint();
        const found = parseQemuScan(out.stdout).flatMap((q) => {
          const vm = recorder.vmOf(q.name);
          return vm ? [{ q, vm }] : [];
        });
        // A QEMU whose QMP connection is open is alive whatever one scan says: the connection's end says when it
        // is gone. (Seen once on the lab: a scan did not list the target QEMU just after its migration completed.)
        const held = [...watching.keys()].flatMap((k) => {
          const [h, pid] = k.split('\u0000');
          return h === host.name ? [Number(pid)] : [];
        });
        recorder.scanned(host.name, new Set([...found.map((f) => f.q.pid), ...held]), ns);
        for (const { q, vm } of found) {
          const key = `${host.name}\u0000${q.pid}`;
          if (watching.has(key)) continue;
          const socket = observerSocketOf(q);
          if (!socket) {
            if (!warned.has(key)) {
              warned.add(key);
              ctx.log.warn(
                { host: host.name, vm, pid: q.pid },
                'QEMU has a single -qmp socket: not watched, holding it would starve its owner',
              );
            }
            continue;
          }
          // `qemu -daemonize` runs as two processes with one command line until the launcher exits: one socket,
          // one QEMU, one watch (a second client would only wait for the monitor the first holds).
          const held = `${host.name}\u0000${socket}`;
          if (sockets.has(held)) continue;
          sockets.add(held);
          watching.set(
            key,
            watchQemu(host, q, vm, socket)
              .catch((err: unknown) => failed(err, host.name))
              .finally(() => {
                watching.delete(key);
                sockets.delete(held);
              }),
          );
        }
      } catch (err) {
        if (stopping.signal.aborted) return;
        if (err instanceof WatchVocabularyError) throw err;
        recorder.lost(host.name, errorMessage(err), process.hrtime.bigint());
      }
      await abortableSleep(o.scanMs, stopping.signal).catch(() => {});
    }
  };

  const done = Promise.all(
    ctx.inventory.hosts.map((h) => scanHost(h).catch((err: unknown) => failed(err, h.name))),
  );

  return {
    name: 'qmp',
    async stop() {
      stopping.abort(new Error('watcher stopped'));
      await done;
      await Promise.all(watching.values());
      pool.close();
      if (bug !== undefined) throw bug;
    },
  };
}

/** What is asked right after an event: a STOP's reason, a completed migration's downtime on its source. */
async function factsAfter(qmp: QmpClient, ev: QmpEvent): Promise<EventFacts> {
  try {
    if (ev.event === 'STOP') {
      const st = await qmp.execute<{ status: string }>('query-status', undefined, { timeoutMs: 3_000 });
      return { status: st.status };
    }
    if (ev.event === 'MIGRATION' && ev.data['status'] === 'completed') {
      const info = await qmp.execute<{ downtime?: number; 'total-time'?: number }>(
        'query-migrate',
        undefined,
        {
          timeoutMs: 3_000,
        },
      );
      return {
        ...(info.downtime !== undefined ? { downtimeMs: info.downtime } : {}),
        ...(info['total-time'] !== undefined ? { totalTimeMs: info['total-time'] } : {}),
      };
    }
  } catch {
    // The QEMU went away right after the event (a quit): the event is still written, without its facts.
  }
  return {};
}

export const qmpWatcher: Watcher = { name: 'qmp', start: (ctx) => watchQmp(ctx) };
