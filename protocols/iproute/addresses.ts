import { isIP } from 'node:net';
import { z } from 'zod';

/** The part of `ip -j addr show` that says which addresses an interface carries. */
const ipAddrJson = z.array(
  z.looseObject({
    ifname: z.string(),
    master: z.string().optional(),
    addr_info: z
      .array(z.looseObject({ family: z.string(), local: z.string(), scope: z.string().optional() }))
      .default([]),
  }),
);

export interface InterfaceAddresses {
  v4: string[];
  v6: string[];
}

/**
 * The global addresses of the named interfaces in `ip -j addr show` output.
 * An interface enslaved to a bridge or bond carries no address itself: its
 * master's addresses are the ones on that network, so they count for it.
 * Link-local addresses (fe80::/10, 169.254/16) are left out: they are on
 * every link and say nothing about the network.
 */
export function addressesOf(ipJson: string, interfaces: readonly string[]): InterfaceAddresses {
  const links = ipAddrJson.parse(JSON.parse(ipJson));
  const byName = new Map(links.map((l) => [l.ifname, l]));
  const names = new Set<string>();
  for (const name of interfaces) {
    const link = byName.get(name);
    if (!link) continue;
    names.add(name);
    if (link.master) names.add(link.master);
  }
  const out: InterfaceAddresses = { v4: [], v6: [] };
  for (const name of names) {
    for (const a of byName.get(name)?.addr_info ?? []) {
      // Only real addresses: what goes into an nftables script must never be text from a host.
      if ((a.scope !== undefined && a.scope !== 'global') || isIP(a.local) === 0) continue;
      if (a.family === 'inet') out.v4.push(a.local);
      else if (a.family === 'inet6') out.v6.push(a.local);
    }
  }
  return out;
}
