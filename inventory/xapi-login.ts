import { HavocError } from '../core/errors.js';
import type { LoadedInventory } from './load.js';

/**
 * How to log in to a XenServer / XCP-ng pool master, from the inventory's
 * haManager (type xapi): the shape of protocols/xapi's XapiTarget, built here
 * so the exporter, the XAPI watcher and the certification's facts log in the
 * same way (the same TLS choices, the same secret reference).
 */
export function xapiLoginOf(loaded: LoadedInventory): {
  url: string;
  username: string;
  password: string;
  tls: { caFile: string | undefined; insecureTls: boolean | undefined };
} {
  const hm = loaded.inventory.haManager;
  if (hm?.type !== 'xapi') {
    throw new HavocError('config', `haManager is ${hm ? `of type ${hm.type}` : 'not set'}, not xapi`, {
      hint: 'set haManager.type: xapi with url, user and password to reach the pool master',
    });
  }
  return {
    url: hm.url,
    username: hm.user,
    password: loaded.secrets.resolve(hm.password, 'haManager.password'),
    tls: { caFile: hm.caFile, insecureTls: hm.insecureTls },
  };
}
