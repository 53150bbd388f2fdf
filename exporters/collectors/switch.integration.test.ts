import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../core/deadline.js';
import { readPortStatus } from '../../protocols/snmp/if-mib.js';
import { PortLookupCache } from '../../protocols/snmp/port-lookup.js';
import { SnmpSession } from '../../protocols/snmp/session.js';
import { type SnmpdAgent, startSnmpd } from '../../test/support/snmpd.js';
import { renderSwitchSnapshot } from './switch.js';
import { collectSwitch } from './switch-snapshot.js';

let agent: SnmpdAgent;
const signal = () => AbortSignal.timeout(20_000);

function newSession(): SnmpSession {
  return new SnmpSession({
    host: agent.address,
    port: agent.port,
    credentials: { version: '2c', community: agent.readCommunity },
  });
}

async function scrape(cache: PortLookupCache) {
  const session = newSession();
  try {
    const snapshot = await collectSwitch(session, cache, signal());
    const registry = new Registry();
    renderSwitchSnapshot(snapshot, registry);
    return { snapshot, text: await registry.metrics(), requests: session.stats.requests };
  } finally {
    session.close();
  }
}

beforeAll(async () => {
  agent = await startSnmpd({ ports: 48 });
});
afterAll(async () => {
  await agent?.stop();
});

describe('switch collector against net-snmp snmpd (48 ports)', () => {
  it('walks the names once, then serves them from the cache; counters are walked every scrape', async () => {
    const cache = new PortLookupCache();
    const first = await scrape(cache);
    const second = await scrape(cache);
    expect(cache.loads).toBe(1);
    expect(first.snapshot.namesCached).toBe(false);
    expect(second.snapshot.namesCached).toBe(true);
    // The name columns cost requests on the first scrape only.
    expect(second.requests).toBeLessThan(first.requests);
    expect(second.snapshot.ports).toHaveLength(50);
    const swp5 = agent.ports[4];
    if (!swp5) throw new Error('port');
    expect(second.text).toContain(
      `havoc_switch_port_info{ifindex="${swp5.ifIndex}",name="swp5",alias="host5 eth0",descr="swp5"} 1`,
    );
    expect(second.text).toMatch(
      new RegExp(`havoc_switch_port_receive_bytes_total\\{ifindex="${swp5.ifIndex}"\\} \\d+`),
    );
    expect(second.text).toContain(`havoc_switch_port_mtu_bytes{ifindex="${swp5.ifIndex}"} 1500`);
  });

  it('a port taken down shows in the next scrape once the agent reports it', async () => {
    const cache = new PortLookupCache();
    const port = agent.ports[9];
    if (!port) throw new Error('port');
    const operLine = (state: string) =>
      `havoc_switch_port_oper_state{ifindex="${port.ifIndex}",state="${state}"} 1`;
    const before = await scrape(cache);
    expect(before.text).toContain(operLine('up'));

    await agent.setLink(port.name, false);
    try {
      // snmpd refreshes its interface cache every few seconds; wait until the agent says down.
      const probe = newSession();
      try {
        await pollUntil(
          async (s) =>
            (await readPortStatus(probe, [port.ifIndex], s)).get(port.ifIndex)?.oper === 'down'
              ? true
              : undefined,
          AbortSignal.timeout(15_000),
          { initialMs: 50, maxMs: 500 },
        );
      } finally {
        probe.close();
      }
      const after = await scrape(cache);
      expect(after.text).toContain(operLine('down'));
      expect(after.text).toContain(`havoc_switch_port_admin_state{ifindex="${port.ifIndex}",state="down"} 1`);
      // every state of the set is present, the others at 0
      expect(after.text).toContain(`havoc_switch_port_oper_state{ifindex="${port.ifIndex}",state="up"} 0`);
      expect(after.snapshot.namesCached).toBe(true);
    } finally {
      await agent.setLink(port.name, true);
    }
  });
});
