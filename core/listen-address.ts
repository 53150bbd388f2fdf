import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { HavocError } from './errors.js';

/*
 * "HOST:PORT" addresses havoc listens on (the exporter, the suite run's
 * Alertmanager webhook receiver): parsed once, the host always explicit so
 * exposure on every interface is a choice someone wrote down.
 */

export interface ListenAddress {
  host: string;
  port: number;
}

/** The exporter's default address: loopback only, so nothing is exposed until the operator says so. */
export const DEFAULT_LISTEN = '127.0.0.1:9643';

/** Parses "HOST:PORT" or "[IPv6]:PORT"; `option` names where the text came from in the error. */
export function parseListenAddress(
  text: string,
  option = '--listen',
  example = `${DEFAULT_LISTEN} (loopback), 0.0.0.0:9643 (every interface) or [::1]:9643`,
): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  if (!m || !host || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new HavocError('usage', `${option} "${text}" is not HOST:PORT`, { hint: `e.g. ${example}` });
  }
  return { host, port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * Why `addr` is not a loopback address or one of this station's own
 * (an address configured on one of its interfaces), or undefined when it is.
 * A wildcard (0.0.0.0, ::) is refused: it would listen on every network the
 * station is on, where one address is all a peer needs.
 */
export function notLocalAddress(
  addr: ListenAddress,
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): string | undefined {
  const { host } = addr;
  if (isLoopback(host)) return undefined;
  if (host === '0.0.0.0' || host === '::' || host === '[::]')
    return `${host} listens on every interface of this station`;
  if (isIP(host) === 0) return `"${host}" is not an IP address (only localhost is taken by name)`;
  const own = Object.values(interfaces).flatMap((list) => (list ?? []).map((i) => i.address));
  if (!own.includes(host)) return `${host} is not an address of this station (it has ${own.join(', ')})`;
  return undefined;
}
