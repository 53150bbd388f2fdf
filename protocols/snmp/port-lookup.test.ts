import { describe, expect, it } from 'vitest';
import { type AgentStamp, matchPorts, PortLookupCache, type PortNames } from './port-lookup.js';

const ports = new Map<number, PortNames>([
  [3, { ifIndex: 3, name: 'swp1', descr: 'swp1', alias: 'host1 eth0' }],
  [4, { ifIndex: 4, name: 'swp2', descr: 'swp2', alias: 'host1 eth1' }],
  [5, { ifIndex: 5, name: 'swp3', descr: 'Ethernet1/3', alias: 'swp1' }],
  [6, { ifIndex: 6, name: 'swp4', descr: 'swp4', alias: 'spare' }],
  [7, { ifIndex: 7, name: 'swp5', descr: 'swp5', alias: 'spare' }],
]);
const stamp: AgentStamp = { sysUpTime: 1000, ifTableLastChange: 10, ifNumber: 7 };

describe('matchPorts', () => {
  it('finds by ifName first, then ifDescr, then ifAlias', () => {
    const { found, missing } = matchPorts(ports, ['swp1', 'Ethernet1/3', 'host1 eth1', 'nope'], 'sw1');
    expect(found.get('swp1')?.ifIndex).toBe(3);
    expect(found.get('Ethernet1/3')?.ifIndex).toBe(5);
    expect(found.get('host1 eth1')?.ifIndex).toBe(4);
    expect(missing).toEqual(['nope']);
  });

  it('refuses a name two ports share', () => {
    expect(() => matchPorts(ports, ['spare'], 'sw1')).toThrow(
      /ambiguous: 2 ports have ifAlias "spare" \(ifIndex 6, 7\)/,
    );
  });
});

describe('PortLookupCache', () => {
  it('serves the names while the agent stamp is unchanged and time moves on', () => {
    const cache = new PortLookupCache({ maxAgeMs: 60_000 });
    cache.store(ports, stamp, 0);
    expect(cache.lookup({ ...stamp, sysUpTime: 5000 }, 1000)).toBe(ports);
    expect(cache.loads).toBe(1);
  });

  it.each([
    ['the agent restarted (sysUpTime went back)', { ...stamp, sysUpTime: 10 }, 1000],
    ['an interface was added or removed (ifTableLastChange)', { ...stamp, ifTableLastChange: 99 }, 1000],
    ['ifNumber changed', { ...stamp, ifNumber: 8 }, 1000],
    ['the names are older than maxAgeMs', stamp, 60_001],
  ])('drops the names when %s', (_why, next, now) => {
    const cache = new PortLookupCache({ maxAgeMs: 60_000 });
    cache.store(ports, stamp, 0);
    expect(cache.lookup(next, now)).toBeUndefined();
    // and stays empty until stored again
    expect(cache.lookup(stamp, 0)).toBeUndefined();
  });
});
