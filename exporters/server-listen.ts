import { HavocError } from '../core/errors.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** The exporter's default address: loopback only, so nothing is exposed until the operator says so. */
export const DEFAULT_LISTEN = '127.0.0.1:9643';

/** Parses "HOST:PORT" or "[IPv6]:PORT"; the host is required, so exposure on every interface is explicit. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  if (!m || !host || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new HavocError('usage', `--listen "${text}" is not HOST:PORT`, {
      hint: `e.g. ${DEFAULT_LISTEN} (loopback), 0.0.0.0:9643 (every interface) or [::1]:9643`,
    });
  }
  return { host, port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
