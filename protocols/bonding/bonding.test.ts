import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HavocError } from '../../core/errors.js';
import {
  decodeLacpPortState,
  lacpPortForwarding,
  parseBondingSlaveSysfs,
  parseBondingSysfs,
  parseProcBonding,
  ZERO_MAC,
} from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseProcBonding', () => {
  it('parses a healthy 802.3ad bond with LACP details (netdev@vger.kernel.org post by M. Tarana, 2020-12-26)', () => {
    const bond = parseProcBonding(fixture('8023ad-healthy.txt'), 'bond0');
    expect(bond.mode).toBe('802.3ad');
    expect(bond.miiStatus).toBe('up');
    expect(bond.transmitHashPolicy).toBe('layer3+4');
    expect(bond.upDelayMs).toBe(3000);
    expect(bond.ad?.lacpRate).toBe('fast');
    expect(bond.ad?.systemMac).toBe('aa:aa:aa:aa:aa:88');
    expect(bond.ad?.activeAggregator).toEqual({
      aggregatorId: 7,
      numberOfPorts: 2,
      actorKey: 9,
      partnerKey: 56,
      partnerMac: 'bb:bb:bb:bb:bb:6a',
    });
    expect(bond.slaves.map((s) => s.name)).toEqual(['eno1', 'eno2']);
    const [eno1, eno2] = bond.slaves;
    expect(eno1?.speedMbps).toBe(1000);
    expect(eno1?.duplex).toBe('full');
    expect(eno1?.aggregatorId).toBe(7);
    expect(eno2?.aggregatorId).toBe(7);
    expect(eno1?.actorLacpPdu?.portState).toBe(63);
    expect(eno1?.actorLacpPdu?.key).toBe(9);
    expect(eno1?.partnerLacpPdu?.portState).toBe(61);
    expect(eno1?.partnerLacpPdu?.key).toBe(56);
    expect(eno1?.partnerLacpPdu?.portNumber).toBe(10);
    expect(eno2?.partnerLacpPdu?.portNumber).toBe(9);
    expect(eno1?.partnerLacpPdu?.systemMac).toBe('bb:bb:bb:bb:bb:6a');
    expect(eno1?.actorChurnState).toBe('none');
    for (const s of bond.slaves) {
      expect(lacpPortForwarding(s.actorLacpPdu!.portStateBits)).toBe(true);
      expect(lacpPortForwarding(s.partnerLacpPdu!.portStateBits)).toBe(true);
    }
  });

  it('parses 802.3ad with a slave in another aggregator and no partner (BlackMetalz/Linux_Notes network/bonding.md)', () => {
    const bond = parseProcBonding(fixture('8023ad-split-aggregator.txt'), 'bond0');
    expect(bond.ad?.activeAggregator?.aggregatorId).toBe(2);
    expect(bond.ad?.activeAggregator?.numberOfPorts).toBe(1);
    expect(bond.ad?.activeAggregator?.partnerMac).toBe(ZERO_MAC);
    const [a, b] = bond.slaves;
    expect(a?.name).toBe('enp1s0f0');
    expect(a?.miiStatus).toBe('down');
    expect(a?.speedMbps).toBeUndefined();
    expect(a?.duplex).toBeUndefined();
    expect(a?.aggregatorId).toBe(1);
    expect(a?.actorChurnState).toBe('churned');
    expect(a?.partnerChurnedCount).toBe(2);
    expect(b?.aggregatorId).toBe(2);
    expect(b?.partnerChurnedCount).toBe(3);
    // 79 = activity|timeout|aggregation|synchronization|defaulted: no collecting/distributing.
    expect(b?.actorLacpPdu?.portState).toBe(79);
    expect(b?.actorLacpPdu?.portStateBits.defaulted).toBe(true);
    expect(b?.partnerLacpPdu?.portState).toBe(1);
    expect(lacpPortForwarding(b!.actorLacpPdu!.portStateBits)).toBe(false);
  });

  it('parses 802.3ad with both slaves up but eth2 in aggregator 2 vs active 3 (RedHatInsights/insights-core test_bond.py)', () => {
    const bond = parseProcBonding(fixture('8023ad-slave-in-other-aggregator-insights.txt'));
    expect(bond.driverVersion).toBe('v3.2.4 (January 28, 2008)');
    expect(bond.ad?.activeAggregator?.aggregatorId).toBe(3);
    expect(bond.ad?.activeAggregator?.actorKey).toBe(17);
    expect(bond.slaves.map((s) => [s.name, s.miiStatus, s.aggregatorId])).toEqual([
      ['eth1', 'up', 3],
      ['eth2', 'up', 2],
    ]);
    expect(bond.slaves[0]?.actorLacpPdu).toBeUndefined();
  });

  it('parses 802.3ad with a zero partner MAC and defaulted ports (RedHatInsights/insights-core test_bond.py BOND_MODE_4)', () => {
    const bond = parseProcBonding(fixture('8023ad-no-partner.txt'));
    expect(bond.upDelayMs).toBe(2000);
    expect(bond.downDelayMs).toBe(1000);
    expect(bond.ad?.activeAggregator?.partnerMac).toBe(ZERO_MAC);
    const enp0s9 = bond.slaves.find((s) => s.name === 'enp0s9');
    const enp0s8 = bond.slaves.find((s) => s.name === 'enp0s8');
    expect(enp0s9?.aggregatorId).toBe(1);
    expect(enp0s8?.aggregatorId).toBe(2);
    expect(enp0s8?.miiStatus).toBe('down');
    expect(enp0s9?.partnerLacpPdu?.systemMac).toBe(ZERO_MAC);
    expect(enp0s9?.actorLacpPdu?.portState).toBe(77);
    expect(enp0s9?.actorLacpPdu?.portStateBits.defaulted).toBe(true);
    expect(enp0s8?.actorLacpPdu?.portState).toBe(69);
    expect(enp0s8?.permanentHwAddr).toBe('08:00:27:a2:8d:f5');
  });

  it('parses a bond with no active aggregator and N/A aggregator ids (influxdata/telegraf plugins/inputs/bond/bond_test.go)', () => {
    const bond = parseProcBonding(fixture('8023ad-no-active-aggregator-telegraf.txt'));
    expect(bond.mode).toBe('802.3ad');
    expect(bond.ad).toBeDefined();
    expect(bond.ad?.activeAggregator).toBeUndefined();
    expect(bond.slaves.map((s) => s.aggregatorId)).toEqual([undefined, undefined]);
    expect(bond.slaves[1]?.linkFailureCount).toBe(3);
  });

  it('parses active-backup with a down slave and empty HW addr (influxdata/telegraf plugins/inputs/bond/bond_test.go)', () => {
    const bond = parseProcBonding(fixture('active-backup-telegraf.txt'));
    expect(bond.mode).toBe('active-backup');
    expect(bond.activeSlave).toBe('eth2');
    expect(bond.primarySlave).toBe('eth2');
    expect(bond.ad).toBeUndefined();
    const eth3 = bond.slaves.find((s) => s.name === 'eth3');
    expect(eth3?.miiStatus).toBe('down');
    expect(eth3?.linkFailureCount).toBe(2);
    expect(eth3?.permanentHwAddr).toBeUndefined();
    expect(bond.slaves.find((s) => s.name === 'eth2')?.speedMbps).toBe(100);
  });

  it('rejects text that is not /proc/net/bonding, naming the line', () => {
    expect(() => parseProcBonding('version: 8.4.0 (api:1/proto:86-100)\n 0: cs:Connected', 'bond0')).toThrow(
      /\/proc\/net\/bonding\/bond0 line 1: expected the "Ethernet Channel Bonding Driver:" header/,
    );
    expect(() => parseProcBonding('Ethernet Channel Bonding Driver: v3.7.1\nMII Status: up\n')).toThrow(
      /expected a "Bonding Mode:" line/,
    );
    expect(() => parseProcBonding('Ethernet Channel Bonding Driver: v3.7.1\n   stray: 1\n')).toThrow(
      /line 2: expected an unindented line/,
    );
  });

  it('rejects a bad value with the line number and field', () => {
    const text = fixture('8023ad-healthy.txt').replace('port state: 61', 'port state: sixty-one');
    expect(() => parseProcBonding(text, 'bond0')).toThrow(/line 48: expected an integer for "port state"/);
    const badMac = fixture('8023ad-healthy.txt').replace(
      'Partner Mac Address: bb:bb:bb:bb:bb:6a',
      'Partner Mac Address: **:**:6a',
    );
    expect(() => parseProcBonding(badMac)).toThrow(HavocError);
    expect(() =>
      parseProcBonding(
        'Ethernet Channel Bonding Driver: v3.7.1\nBonding Mode: reverse proximity hash\nMII Status: up',
      ),
    ).toThrow(/line 2: expected a known bonding mode/);
  });
});

describe('decodeLacpPortState', () => {
  it('decodes the values seen in the fixtures (IEEE 802.3 LacpState bit order, bit 0 = LSB)', () => {
    expect(decodeLacpPortState(61)).toEqual({
      activity: true,
      shortTimeout: false,
      aggregation: true,
      synchronization: true,
      collecting: true,
      distributing: true,
      defaulted: false,
      expired: false,
    });
    expect(decodeLacpPortState(63).shortTimeout).toBe(true);
    const s69 = decodeLacpPortState(69);
    expect([s69.activity, s69.aggregation, s69.defaulted, s69.synchronization]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(decodeLacpPortState(128).expired).toBe(true);
    expect(() => decodeLacpPortState(256)).toThrow(/0\.\.255/);
  });
});

describe('parseBondingSysfs', () => {
  it('parses slaves and per-slave mii_status (prometheus/node_exporter collector/fixtures/sys.ttar, bond "int")', () => {
    const f = JSON.parse(fixture('sysfs-node_exporter-int.json')) as {
      bond: Record<string, string>;
      slaves: Record<string, Record<string, string>>;
    };
    const bond = parseBondingSysfs(f.bond);
    expect(bond.slaves).toEqual(['eth5', 'eth1']);
    expect(bond.mode).toBeUndefined();
    expect(parseBondingSlaveSysfs(f.slaves['eth1']!).miiStatus).toBe('down');
    expect(parseBondingSlaveSysfs(f.slaves['eth5']!).miiStatus).toBe('up');
  });

  it('parses option files in the "<name> <number>" form of drivers/net/bonding/bond_sysfs.c', () => {
    const bond = parseBondingSysfs({
      mode: '802.3ad 4\n',
      lacp_rate: 'fast 1\n',
      xmit_hash_policy: 'layer3+4 1\n',
      ad_aggregator: '2\n',
      ad_num_ports: '1\n',
      ad_partner_mac: '00:00:00:00:00:00\n',
      active_slave: '\n',
      miimon: '100\n',
    });
    expect(bond).toMatchObject({
      mode: '802.3ad',
      lacpRate: 'fast',
      xmitHashPolicy: 'layer3+4',
      adAggregator: 2,
      adNumPorts: 1,
      adPartnerMac: ZERO_MAC,
      activeSlave: undefined,
      miimonMs: 100,
    });
    const slave = parseBondingSlaveSysfs({
      ad_aggregator_id: 'N/A\n',
      ad_actor_oper_port_state: '61\n',
      state: 'backup',
    });
    expect(slave.adAggregatorId).toBeUndefined();
    expect(slave.adActorOperPortStateRaw).toBe(61);
    expect(slave.adActorOperPortState?.distributing).toBe(true);
    expect(() => parseBondingSysfs({ mode: 'turbo 9' })).toThrow(
      /sysfs bonding file mode: expected a bonding mode/,
    );
    expect(() => parseBondingSysfs({ miimon: 'fast' })).toThrow(/miimon: expected an integer/);
  });
});
