import { HavocError } from '../core/errors.js';
import {
  parseHostNames,
  parseVmRecords,
  withXapiSession,
  type XapiSessionCall,
  type XapiVm,
} from '../protocols/xapi/index.js';
import type { FaultContext } from './fault.js';

/*
 * A XenServer / XCP-ng pool as the planned actions reach it: one XAPI
 * session per step on the pool master of haManager (its password through the
 * inventory's secret reference). VMs and hosts are found by name_label, the
 * inventory's names (inventory/ha-names.ts).
 */

/** A pool migration or an evacuation returns only when it is over; it may take this long. */
const XAPI_STEP_MS = 10 * 60_000;

export interface XapiPoolView {
  call: XapiSessionCall;
  vms(): Promise<XapiVm[]>;
  vm(name: string): Promise<XapiVm>;
  hostRef(name: string): Promise<string>;
  hostName(ref: string): Promise<string | undefined>;
  hostEnabled(name: string): Promise<boolean>;
}

export function withXapiPool<T>(
  ctx: FaultContext,
  what: string,
  work: (pool: XapiPoolView) => Promise<T>,
): Promise<T> {
  const hm = ctx.inventory.haManager;
  if (hm?.type !== 'xapi') throw new HavocError('config', 'haManager is not xapi');
  const target = {
    url: hm.url,
    username: hm.user,
    password: ctx.loaded.secrets.resolve(hm.password, 'haManager.password'),
    tls: { caFile: hm.caFile, insecureTls: hm.insecureTls },
  };
  return withXapiSession(
    target,
    { signal: ctx.signal, timeoutMs: XAPI_STEP_MS, redactor: ctx.loaded.redactor },
    what,
    (call) => {
      const hosts = async () => parseHostNames(await call('host.get_all_records'));
      const vms = async () => parseVmRecords(await call('VM.get_all_records'));
      const pool: XapiPoolView = {
        call,
        vms,
        async vm(name) {
          const found = (await vms()).filter((v) => v.nameLabel === name);
          if (found.length !== 1)
            throw new HavocError(
              'config',
              `XAPI pool ${hm.url} has ${found.length === 0 ? 'no VM' : `${found.length} VMs`} named "${name}"`,
              { hint: 'the inventory VM name must be the VM name_label, and unique in the pool' },
            );
          return found[0]!;
        },
        async hostRef(name) {
          const h = (await hosts()).find((x) => x.nameLabel === name);
          if (!h)
            throw new HavocError('config', `XAPI pool ${hm.url} has no host named "${name}"`, {
              hint: 'the inventory host name must be the host name_label',
            });
          return h.ref;
        },
        async hostName(ref) {
          return (await hosts()).find((x) => x.ref === ref)?.nameLabel;
        },
        async hostEnabled(name) {
          const h = (await hosts()).find((x) => x.nameLabel === name);
          if (!h) throw new HavocError('config', `XAPI pool ${hm.url} has no host named "${name}"`);
          return h.enabled;
        },
      };
      return work(pool);
    },
  );
}
