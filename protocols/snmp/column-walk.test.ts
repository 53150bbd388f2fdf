import snmp from 'net-snmp';
import { describe, expect, it } from 'vitest';
import {
  absorbBulkAnswer,
  columnGroups,
  pendingCursors,
  startCursors,
  WalkOrderError,
} from './column-walk.js';
import type { RawVarbind } from './varbind-values.js';

/*
 * Answers captured from net-snmp snmpd 5.9.3 (Debian snmpd) with snmpbulkget
 * 5.9.3, agent in a hvs-* namespace with lo, uplink and swp1..swp3, swp1's
 * ifAlias "host1 eth0":
 *   snmpbulkget -v2c -m '' -On -Cr3 AGENT 1.3.6.1.2.1.2.2.1.7 1.3.6.1.2.1.31.1.1.1.18
 *   snmpbulkget -v2c -m '' -On -Cr2 AGENT 1.3.6.1.2.1.2.2.1.7.5 1.3.6.1.2.1.31.1.1.1.6.5
 * regrouped per requested varbind, as net-snmp's getBulk hands them over.
 */
const I = snmp.ObjectType['Integer'] as number;
const S = snmp.ObjectType['OctetString'] as number;
const C64 = snmp.ObjectType['Counter64'] as number;
const vb = (oid: string, type: number, value: unknown): RawVarbind => ({ oid, type, value });

const FIRST_ANSWER: RawVarbind[][] = [
  [vb('1.3.6.1.2.1.2.2.1.7.1', I, 1), vb('1.3.6.1.2.1.2.2.1.7.2', I, 1), vb('1.3.6.1.2.1.2.2.1.7.3', I, 1)],
  [
    vb('1.3.6.1.2.1.31.1.1.1.18.1', S, Buffer.from('')),
    vb('1.3.6.1.2.1.31.1.1.1.18.2', S, Buffer.from('')),
    vb('1.3.6.1.2.1.31.1.1.1.18.3', S, Buffer.from('host1 eth0')),
  ],
];
const PAST_THE_END: RawVarbind[][] = [
  [vb('1.3.6.1.2.1.2.2.1.8.1', I, 1), vb('1.3.6.1.2.1.2.2.1.8.2', I, 1)],
  [
    vb('1.3.6.1.2.1.31.1.1.1.7.1', C64, Buffer.from([0])),
    vb('1.3.6.1.2.1.31.1.1.1.7.2', C64, Buffer.from([0])),
  ],
];

describe('GETBULK column walk (answers captured from net-snmp snmpd 5.9.3)', () => {
  it('advances each column by what it got and continues after the last OID', () => {
    const cursors = startCursors(['1.3.6.1.2.1.2.2.1.7', '1.3.6.1.2.1.31.1.1.1.18']);
    expect(absorbBulkAnswer(cursors, FIRST_ANSWER)).toBe(6);
    expect(cursors.map((c) => c.next)).toEqual(['1.3.6.1.2.1.2.2.1.7.3', '1.3.6.1.2.1.31.1.1.1.18.3']);
    expect(cursors[1]?.rows.get('3')?.value).toEqual(Buffer.from('host1 eth0'));
    expect(pendingCursors(cursors)).toHaveLength(2);
  });

  it('ends a column at the first OID outside it (the next column)', () => {
    const cursors = startCursors(['1.3.6.1.2.1.2.2.1.7', '1.3.6.1.2.1.31.1.1.1.6']);
    const [admin, octets] = cursors;
    if (!admin || !octets) throw new Error('cursors');
    admin.next = '1.3.6.1.2.1.2.2.1.7.5';
    octets.next = '1.3.6.1.2.1.31.1.1.1.6.5';
    expect(absorbBulkAnswer(cursors, PAST_THE_END)).toBe(0);
    expect(pendingCursors(cursors)).toHaveLength(0);
    expect(admin.rows.size).toBe(0);
  });

  it('ends a column at endOfMibView', () => {
    const cursors = startCursors(['1.3.6.1.2.1.2.2.1.7']);
    const end = snmp.ObjectType['EndOfMibView'] as number;
    absorbBulkAnswer(cursors, [[vb('1.3.6.1.2.1.2.2.1.7.1', I, 1), vb('1.3.6.1.2.1.2.2.1.7.1', end, null)]]);
    expect(cursors[0]?.done).toBe(true);
    expect(cursors[0]?.rows.size).toBe(1);
  });

  it('refuses an agent whose OIDs do not increase (a walk that would never end)', () => {
    const cursors = startCursors(['1.3.6.1.2.1.2.2.1.7']);
    const first = FIRST_ANSWER[0] ?? [];
    absorbBulkAnswer(cursors, [first]);
    expect(() => absorbBulkAnswer(cursors, [first])).toThrow(WalkOrderError);
  });

  it('splits columns into even groups', () => {
    expect(columnGroups([1, 2, 3, 4, 5, 6, 7, 8, 9], 4).map((g) => g.length)).toEqual([3, 3, 3]);
    expect(columnGroups([1, 2, 3, 4, 5], 4).map((g) => g.length)).toEqual([3, 2]);
    expect(columnGroups([1, 2], 4)).toEqual([[1, 2]]);
    expect(columnGroups([], 4)).toEqual([]);
  });
});
