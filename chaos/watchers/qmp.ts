import { abortableSleep, deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { errorMessage } from '../../core/errors.js';
import type { HostConfig } from '../../inventory/schema.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import type { QmpClient } from '../../protocols/qmp/client.js';
import { parseQemuScan, QEMU_SCAN_SH, type ScannedQemu } from '../qemu-scan.js';
import { openQmpOnHost } from '../qmp-on-host.js';
import { type ConnectAnswers, type DowntimeAnswer, QmpRecorder, readDowntime } from './qmp-view.js';
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
 * sends MIGRATION events only with it; it changes nothing else), then asks
 * query-migrate and query-status; after a STOP it asks query-status (the
 * reason: io-error, finish-migrate, paused), after MIGRATION completed
 * query-migrate until QEMU has computed the downtime. Every event and every
 * answer is written as its line is read, so the records of a QEMU are in the
 * order it sent them and none waits for another. A QEMU that appears later
 * (a restart) is found by the next scan; while a QEMU migrates, scans run
 * every migrationScanMs so its target is found early.
 */

export interface QmpWatchOptions {
  /** Between scans of a host for new QEMUs. */
  scanMs?: number;
  /** Between scans while a QEMU migrates (its target is about to appear). */
  migrationScanMs?: number;
  /** How long after a migration's last event scans stay hurried (a migration that never ends). */
  migrationScanForMs?: number;
  /** Deadline of one scan, and of the QMP greeting and first commands. */
  connectMs?: number;
  /** How long query-migrate is asked again until QEMU has computed a completed migration's downtime. */
  downtimeMs?: number;
}

const DEFAULTS: Required<QmpWatchOptions> = {
  scanMs: 1_000,
  migrationScanMs: 100,
  migrationScanForMs: 30_000,
  connectMs: 5_000,
  downtimeMs: 5_000,
};

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

  /** Migrating QEMUs (host NUL pid) -> until when scans are hurried for them (monotonic ms). */
  const migrating = new Map<string, number>();
  const sleepers = new Set<AbortController>();
  const hurried = () => {
    const now = monotonicMs();
    for (const [k, until] of migrating) if (until <= now) migrating.delete(k);
    return migrating.size > 0;
  };
  /**
   * A migration started: the target's QEMU is about to appear (the qemu-vm
   * agent starts it in migrate_from, after the source's migrate_to), so every
   * host is scanned at once and then every migrationScanMs until the
   * migration ends, to connect before its migrate-incoming where it can.
   */
  const migrationSeen = (key: string, status: string | undefined) => {
    if (status === undefined || ['completed', 'failed', 'cancelled', 'none'].includes(status)) {
      migrating.delete(key);
      return;
    }
    if (!migrating.has(key)) for (const s of sleepers) s.abort();
    migrating.set(key, monotonicMs() + o.migrationScanForMs);
  };
  const pause = async () => {
    const wake = new AbortController();
    sleepers.add(wake);
    try {
      await abortableSleep(
        hurried() ? o.migrationScanMs : o.scanMs,
        AbortSignal.any([stopping.signal, wake.signal]),
      ).catch(() => {});
    } finally {
      sleepers.delete(wake);
    }
  };

  /** Watches one QEMU until its connection ends; resolves then (the next scan decides what follows). */
  const watchQemu = async (host: HostConfig, q: ScannedQemu, vm: string, socket: string) => {
    const what = `VM ${vm} (QEMU PID ${q.pid}) on ${host.name}`;
    const key = `${host.name}\u0000${q.pid}`;
    let client: QmpClient | undefined;
    const asking = new Set<Promise<unknown>>();
    const guard = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        failed(err, host.name);
      }
    };
    try {
      const signal = deadlineSignal(o.connectMs, `QMP watch of ${what}`, stopping.signal);
      client = await openQmpOnHost(pool, host, socket, what, signal);
      const qmp = client;
      const track = (p: Promise<unknown>) => {
        asking.add(p);
        void p.finally(() => asking.delete(p));
      };
      // Every record is written as its line is read (events here, answers in onReply), stamped then: the
      // records of one QEMU are in the order it sent them, and none waits for what is asked after it.
      qmp.onEvent((ev) => {
        guard(() => recorder.event(host.name, q.pid, vm, ev, process.hrtime.bigint()));
        if (ev.event === 'STOP') {
          track(
            qmp
              .execute('query-status', undefined, {
                timeoutMs: 3_000,
                signal: stopping.signal,
                onReply: (st) =>
                  guard(() =>
                    recorder.stopReason(
                      host.name,
                      q.pid,
                      vm,
                      (st as { status: string }).status,
                      process.hrtime.bigint(),
                    ),
                  ),
              })
              // The QEMU went away right after the STOP (a quit): the STOP stands without its reason.
              .catch(() => {}),
          );
        } else if (ev.event === 'MIGRATION') {
          const status = typeof ev.data['status'] === 'string' ? ev.data['status'] : undefined;
          migrationSeen(key, status);
          if (status === 'completed') track(askDowntime(qmp, host.name, q.pid, vm, guard));
        }
      });
      await qmp
        .execute('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: true }] })
        .catch((err: unknown) => {
          // Refused while a migration runs ("There's a migration process in progress"): its events are missed.
          ctx.log.info({ host: host.name, vm, err: errorMessage(err) }, 'QMP migration events not enabled');
        });
      let migrate: Record<string, unknown> = {};
      await qmp.execute('query-migrate', undefined, {
        signal,
        onReply: (v) => {
          migrate = (v ?? {}) as Record<string, unknown>;
        },
      });
      await qmp.execute('query-status', undefined, {
        signal,
        onReply: (st) =>
          guard(() => {
            const status = st as ConnectAnswers['status'];
            recorder.connected(host.name, q.pid, vm, { status, migrate }, process.hrtime.bigint());
            if (typeof migrate['status'] === 'string') migrationSeen(key, migrate['status']);
          }),
      });
      await new Promise<void>((resolve) => {
        const onStop = () => resolve();
        stopping.signal.addEventListener('abort', onStop, { once: true });
        // The connection ends when the QEMU exits, or the host goes away.
        qmp.onClose(() => {
          stopping.signal.removeEventListener('abort', onStop);
          resolve();
        });
      });
      await Promise.all(asking);
    } catch (err) {
      if (err instanceof WatchVocabularyError) throw err;
      if (!stopping.signal.aborted)
        ctx.log.info({ host: host.name, vm, err: errorMessage(err) }, 'QMP watch ended');
    } finally {
      migrating.delete(key);
      client?.destroy();
      if (!stopping.signal.aborted) recorder.disconnected(host.name, q.pid, process.hrtime.bigint());
    }
  };

  /**
   * After MIGRATION completed: query-migrate until QEMU has computed the
   * downtime (readDowntime), each answer read as it arrives; on the source a
   * record with QEMU's figures, or with why they were not read.
   */
  const askDowntime = async (
    qmp: QmpClient,
    host: string,
    pid: number,
    vm: string,
    guard: (fn: () => void) => void,
  ) => {
    let queries = 0;
    let last: DowntimeAnswer | undefined;
    const give = deadlineSignal(o.downtimeMs, `QEMU's downtime of ${vm} on ${host}`, stopping.signal);
    try {
      await pollUntil(
        async () => {
          queries += 1;
          await qmp.execute('query-migrate', undefined, {
            signal: give,
            onReply: (info) =>
              guard(() => {
                last = readDowntime(info);
                const ns = process.hrtime.bigint();
                if (last.kind === 'figures') recorder.downtime(host, pid, vm, last, queries, ns);
                else if (last.kind === 'unreadable')
                  recorder.downtime(host, pid, vm, { notRead: last.why }, queries, ns);
              }),
          });
          return last?.kind === 'not-yet' ? undefined : true;
        },
        give,
        { initialMs: 5, maxMs: 100 },
      );
    } catch (err) {
      if (stopping.signal.aborted) return;
      const why = qmp.closed
        ? `the QMP connection closed (QEMU PID ${pid} quit) before QEMU had computed the downtime`
        : `not computed after ${queries} query-migrate (${errorMessage(err)})`;
      guard(() => recorder.downtime(host, pid, vm, { notRead: why }, queries, process.hrtime.bigint()));
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
      await pause();
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

export const qmpWatcher: Watcher = { name: 'qmp', start: (ctx) => watchQmp(ctx) };
