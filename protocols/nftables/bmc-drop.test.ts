import { expect, it } from 'vitest';
import { bmcDropScript } from './bmc-drop.js';

it('drops only the BMC endpoint, in havoc table alone, declared and deleted first (one transaction)', () => {
  const script = bmcDropScript({ address: '10.10.99.12', protocol: 'udp', port: 623 });
  expect(script).toBe(
    'table inet havoc {}\n' +
      'delete table inet havoc\n' +
      'table inet havoc {\n' +
      '  chain bmc-dead {\n' +
      '    type filter hook prerouting priority raw - 10; policy accept;\n' +
      '    ip daddr 10.10.99.12 udp dport 623 drop\n' +
      '  }\n' +
      '}\n',
  );
  expect(script).not.toMatch(/flush/);
  expect(bmcDropScript({ address: 'fd00::12', protocol: 'tcp', port: 443 })).toContain(
    '    ip6 daddr fd00::12 tcp dport 443 drop\n',
  );
});
