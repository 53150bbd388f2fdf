import { HavocError } from '../../core/errors.js';
import type { Inventory } from '../../inventory/schema.js';
import { alertmanagerWatcher } from './alertmanager.js';
import { libvirtWatcher } from './libvirt.js';
import { pacemakerWatcher } from './pacemaker.js';
import { qmpWatcher } from './qmp.js';
import type { HaManagerType, RunningWatcher, Watcher, WatcherContext } from './watcher.js';
import { xapiWatcher } from './xapi.js';

/** Every watcher started together behaves as one: stop() stops them all, and rejects with the first failure. */
export function allOf(name: string, running: readonly RunningWatcher[]): RunningWatcher {
  return {
    name,
    ready: Promise.all(running.map((w) => w.ready)).then(() => undefined),
    async stop() {
      const results = await Promise.allSettled(running.map((w) => w.stop()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** The inventory's HA manager type, or a clear error when there is none to watch. */
export function haManagerOf(inv: Inventory): HaManagerType {
  const type = inv.haManager?.type;
  if (!type) {
    throw new HavocError('config', 'the inventory has no haManager, so there is nothing to watch', {
      hint: 'add haManager: {type: pacemaker | libvirt | xapi} to the inventory',
    });
  }
  return type;
}

/**
 * The watchers of each HA manager. Pacemaker clusters run their VMs under
 * libvirt (VirtualDomain) or as bare QEMUs (havoc's ocf:havoc:qemu-vm); the
 * inventory does not say which, so both the libvirt and the QMP watcher run,
 * and each writes only for the VMs it finds (libvirt's domains; QEMUs
 * started with -qmp, which libvirt's are not).
 */
export const WATCHERS_BY_HA_MANAGER: Record<HaManagerType, readonly Watcher[]> = {
  pacemaker: [pacemakerWatcher, libvirtWatcher, qmpWatcher],
  libvirt: [libvirtWatcher],
  xapi: [xapiWatcher],
};

/**
 * Starts every watcher the inventory's haManager calls for, and the
 * Alertmanager webhook receiver when the run has one, writing to ctx.timeline.
 */
export function startWatchers(ctx: WatcherContext): RunningWatcher {
  const kinds = [
    ...WATCHERS_BY_HA_MANAGER[haManagerOf(ctx.inventory)],
    ...(ctx.alertWebhook ? [alertmanagerWatcher(ctx.alertWebhook)] : []),
  ];
  return allOf(
    kinds.map((k) => k.name).join('+'),
    kinds.map((k) => k.start(ctx)),
  );
}
