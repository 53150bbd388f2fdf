import { expect, it } from 'vitest';
import { DELETE_HAVOC_TABLE, partitionScript } from './havoc-table.js';

it('builds one transaction that resets and fills only table inet havoc', () => {
  const script = partitionScript({ v4: ['198.18.212.12', '198.18.212.13'], v6: ['fd00::2'] });
  expect(script.startsWith(DELETE_HAVOC_TABLE)).toBe(true);
  expect(script).toContain('ip saddr { 198.18.212.12, 198.18.212.13 } drop');
  expect(script).toContain('ip daddr { 198.18.212.12, 198.18.212.13 } drop');
  expect(script).toContain('ip6 saddr { fd00::2 } drop');
  // Never a flush, never another table.
  expect(script).not.toMatch(/flush/);
  expect([...script.matchAll(/table (\S+ \S+)/g)].map((m) => m[1])).toEqual(['inet havoc', 'inet havoc', 'inet havoc']);
});

it('leaves out the family without peers and refuses an empty partition', () => {
  expect(partitionScript({ v4: ['10.0.0.2'], v6: [] })).not.toContain('ip6');
  expect(() => partitionScript({ v4: [], v6: [] })).toThrow(/at least one peer/);
});
