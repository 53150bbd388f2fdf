import type { Events2Event } from './events2.js';

/**
 * The connection state of each peer of one resource, from `drbdsetup
 * events2` lines: a `--now` dump (`exists`) or changes (`change`), folded in
 * order so the last line about a connection wins. A connection that was
 * destroyed (`destroy`) is left out.
 */
export function connectionStates(events: readonly Events2Event[], resource: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const ev of events) {
    if (ev.object !== 'connection' || ev.fields.name !== resource) continue;
    const peer = ev.fields['conn-name'] ?? `peer-node-id ${ev.fields['peer-node-id'] ?? '?'}`;
    if (ev.action === 'destroy') out.delete(peer);
    else if (ev.fields.connection !== undefined) out.set(peer, ev.fields.connection);
  }
  return out;
}
