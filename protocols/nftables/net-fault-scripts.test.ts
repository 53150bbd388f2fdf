import { expect, it } from 'vitest';
import { DELETE_HAVOC_TABLE } from './havoc-table.js';
import { packetLossScript } from './packet-loss.js';
import { rateLimitBurstKbytes, rateLimitScript } from './rate-limit.js';
import { hostStorageCutScript, targetStorageCutScript } from './storage-cut.js';

const own = { v4: ['198.18.4.12'], v6: ['fd00:4::12'] };
const tables = (script: string) => [...script.matchAll(/table (\S+ \S+)/g)].map((m) => m[1]);

// Every script here was also checked by the kernel: `unshare -n nft -c -f` accepted each (nftables 1.0.6).
it('packet loss: a random drop both ways of the host own addresses, in havoc table alone, one transaction', () => {
  expect(packetLossScript(own, 30)).toBe(
    DELETE_HAVOC_TABLE +
      'table inet havoc {\n' +
      '  chain packet-loss-in {\n' +
      '    type filter hook prerouting priority raw - 10; policy accept;\n' +
      '    ip daddr { 198.18.4.12 } numgen random mod 100 < 30 drop\n' +
      '    ip6 daddr { fd00:4::12 } numgen random mod 100 < 30 drop\n' +
      '  }\n' +
      '  chain packet-loss-out {\n' +
      '    type filter hook output priority raw - 10; policy accept;\n' +
      '    ip saddr { 198.18.4.12 } numgen random mod 100 < 30 drop\n' +
      '    ip6 saddr { fd00:4::12 } numgen random mod 100 < 30 drop\n' +
      '  }\n' +
      '}\n',
  );
  expect(tables(packetLossScript(own, 30))).toEqual(['inet havoc', 'inet havoc', 'inet havoc']);
  expect(packetLossScript(own, 30)).not.toMatch(/flush/);
});

it('packet loss toward peers matches both ends, and leaves out a family the peers lack', () => {
  const s = packetLossScript(own, 20, { v4: ['198.18.4.11', '198.18.4.13'], v6: [] });
  expect(s).toContain(
    '    ip daddr { 198.18.4.12 } ip saddr { 198.18.4.11, 198.18.4.13 } numgen random mod 100 < 20 drop\n',
  );
  expect(s).toContain(
    '    ip saddr { 198.18.4.12 } ip daddr { 198.18.4.11, 198.18.4.13 } numgen random mod 100 < 20 drop\n',
  );
  expect(s).not.toContain('ip6');
  expect(() => packetLossScript(own, 20, { v4: [], v6: [] })).toThrow(
    /no address of a family both sides have/,
  );
  expect(() => packetLossScript(own, 100)).toThrow(/whole percentage 1-99/);
});

it('bandwidth: a byte limit per direction whose bucket holds a 64 KiB offloaded packet', () => {
  expect(rateLimitBurstKbytes(100)).toBe(64);
  expect(rateLimitBurstKbytes(1000)).toBe(250);
  const s = rateLimitScript({ v4: ['198.18.4.12'], v6: [] }, 300);
  expect(s).toContain(
    '    ip daddr { 198.18.4.12 } limit rate over 300 kbytes/second burst 75 kbytes drop\n',
  );
  expect(s).toContain(
    '    ip saddr { 198.18.4.12 } limit rate over 300 kbytes/second burst 75 kbytes drop\n',
  );
  expect(tables(s)).toEqual(['inet havoc', 'inet havoc', 'inet havoc']);
});

it('storage cut: resets TCP to the server port and drops the rest on the host; resets the port on the target side', () => {
  const e = { address: '198.18.2.5', port: 10809 };
  expect(hostStorageCutScript(e)).toContain(
    '    ip daddr 198.18.2.5 tcp dport 10809 reject with tcp reset\n    ip daddr 198.18.2.5 drop\n',
  );
  // The reset comes back over lo from the server's address: the drop of the server's packets must spare it.
  expect(hostStorageCutScript(e)).toContain('    iifname "lo" accept\n    ip saddr 198.18.2.5 drop\n');
  expect(targetStorageCutScript(e)).toBe(
    DELETE_HAVOC_TABLE +
      'table inet havoc {\n' +
      '  chain storage-loss-target {\n' +
      '    type filter hook prerouting priority raw - 10; policy accept;\n' +
      '    ip daddr 198.18.2.5 tcp dport 10809 reject with tcp reset\n' +
      '  }\n' +
      '}\n',
  );
  expect(targetStorageCutScript({ address: 'fd00:2::5', port: 3260 })).toContain(
    'ip6 daddr fd00:2::5 tcp dport 3260',
  );
});
