import { describe, expect, it } from 'vitest';
import { decodeLacpStateBits } from '../lacp/port-state.js';
import { compareOids, instanceOf, singleIndex } from './oid.js';
import { describeOid, dot3adAggPortTable, ifTable, ifXTable } from './oids.js';
import { bigEndianUnsigned } from './varbind-values.js';

describe('OID arithmetic', () => {
  it('orders by sub-identifier, not by text', () => {
    expect(compareOids('1.3.6.1.2.1.2.2.1.7.10', '1.3.6.1.2.1.2.2.1.7.9')).toBe(1);
    expect(compareOids('1.3.6.1.2.1.2.2.1.7', '1.3.6.1.2.1.2.2.1.7.1')).toBe(-1);
    expect(compareOids('1.3.6.1', '1.3.6.1')).toBe(0);
  });

  it('takes the instance under a column, and nothing from a sibling column', () => {
    expect(instanceOf(ifTable.ifAdminStatus, '1.3.6.1.2.1.2.2.1.7.12')).toBe('12');
    expect(instanceOf(ifTable.ifAdminStatus, '1.3.6.1.2.1.2.2.1.70.12')).toBeUndefined();
    expect(instanceOf(ifTable.ifAdminStatus, ifTable.ifAdminStatus)).toBeUndefined();
    expect(singleIndex('12')).toBe(12);
    expect(singleIndex('1.2')).toBeUndefined();
    expect(singleIndex('0')).toBeUndefined();
  });

  it('names OIDs in messages', () => {
    expect(describeOid('1.3.6.1.2.1.2.2.1.7.3')).toBe('ifAdminStatus.3');
    expect(describeOid(`${ifXTable.ifAlias}.5`)).toBe('ifAlias.5');
    expect(describeOid('1.3.6.1.2.1.1.3.0')).toBe('sysUpTime.0');
  });
});

describe('IF-MIB and IEEE8023-LAG-MIB column numbers (RFC 2863; librenms/librenms mibs/IEEE8023-LAG-MIB)', () => {
  it('matches the MIB texts', () => {
    expect(ifTable.ifOperStatus).toBe('1.3.6.1.2.1.2.2.1.8');
    expect(ifTable.ifOutErrors).toBe('1.3.6.1.2.1.2.2.1.20');
    expect(ifXTable.ifHCOutOctets).toBe('1.3.6.1.2.1.31.1.1.1.10');
    expect(ifXTable.ifHighSpeed).toBe('1.3.6.1.2.1.31.1.1.1.15');
    expect(dot3adAggPortTable.attachedAggId).toBe('1.2.840.10006.300.43.1.2.1.1.13');
    expect(dot3adAggPortTable.actorOperState).toBe('1.2.840.10006.300.43.1.2.1.1.21');
    expect(dot3adAggPortTable.partnerOperState).toBe('1.2.840.10006.300.43.1.2.1.1.23');
  });
});

describe('value decoders', () => {
  it('reads Counter64 content octets, with or without the sign byte', () => {
    expect(bigEndianUnsigned(Buffer.from([0x16, 0xf7]))).toBe(5879n);
    expect(bigEndianUnsigned(Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(
      2n ** 64n - 1n,
    );
    expect(bigEndianUnsigned(Buffer.alloc(0))).toBeUndefined();
  });

  it('decodes LacpState BITS with bit 0 in the most significant bit', () => {
    // A healthy member: Linux prints 61 (0x3D: activity, aggregation, sync,
    // collecting, distributing); as SNMP BITS the same flags are 0xBC.
    const healthy = decodeLacpStateBits(Buffer.from([0xbc]));
    expect(healthy).toEqual({
      activity: true,
      shortTimeout: false,
      aggregation: true,
      synchronization: true,
      collecting: true,
      distributing: true,
      defaulted: false,
      expired: false,
    });
    // Linux's 69 (activity, aggregation, defaulted) must not be read as an integer: 0xA2 as BITS.
    const defaulted = decodeLacpStateBits(Buffer.from([0xa2]));
    expect(defaulted.defaulted).toBe(true);
    expect(defaulted.collecting).toBe(false);
    expect(decodeLacpStateBits(Buffer.alloc(0)).activity).toBe(false);
  });
});
