import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { addressesOf } from './addresses.js';

const captured = readFileSync(join(import.meta.dirname, 'fixtures', 'ip-addr-bridge.json'), 'utf8');

it('takes the global addresses of an interface (captured ip -j addr), leaving link-local ones out', () => {
  expect(addressesOf(captured, ['eth9'])).toEqual({ v4: ['198.18.251.11'], v6: [] });
  expect(addressesOf(captured, ['br0'])).toEqual({ v4: ['198.18.250.11'], v6: ['fd00:250::11'] });
});

it("counts a bridge port's master's addresses for it (the port itself has none)", () => {
  expect(addressesOf(captured, ['eth3'])).toEqual({ v4: ['198.18.250.11'], v6: ['fd00:250::11'] });
});

it('finds nothing for an interface the host does not have', () => {
  expect(addressesOf(captured, ['eth7'])).toEqual({ v4: [], v6: [] });
});

it('never passes on text that is not an address (it goes into an nftables script)', () => {
  const hostile = JSON.stringify([
    { ifname: 'eth0', addr_info: [{ family: 'inet', local: '1.2.3.4 } accept; drop {', scope: 'global' }] },
  ]);
  expect(addressesOf(hostile, ['eth0'])).toEqual({ v4: [], v6: [] });
});
