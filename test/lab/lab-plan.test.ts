import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Redactor } from '../../core/redact.js';
import { parseInventory } from '../../inventory/load.js';
import { chooseSlot, overlaps, parseCidr, SLOTS, slotBlock } from '../../lab/address-plan.js';
import { bootScript, chassisScript } from '../../lab/boot-script.js';
import { labInventory } from '../../lab/inventory-writer.js';
import { checkLabName } from '../../lab/names.js';
import { labTopology } from '../../lab/topology.js';

describe('lab address plan (198.18.0.0/15, RFC 2544)', () => {
  it('gives every slot a distinct /21 inside 198.18.0.0/15', () => {
    const range = parseCidr('198.18.0.0/15');
    for (let s = 0; s < SLOTS; s++) {
      const b = slotBlock(s);
      expect(b.start >= range.start && b.end <= range.end).toBe(true);
      if (s > 0) expect(overlaps(b, slotBlock(s - 1))).toBe(false);
    }
  });

  it('skips slots other labs hold and blocks existing routes overlap', () => {
    const first = chooseSlot('havoc', new Set(), [])!;
    const second = chooseSlot('havoc', new Set([first]), [])!;
    expect(second).not.toBe(first);
    const third = chooseSlot('havoc', new Set(), [parseCidr('198.18.0.0/15')]);
    expect(third).toBeUndefined();
    const routed = chooseSlot('havoc', new Set(), [
      { start: slotBlock(first).start + 300, end: slotBlock(first).start + 303 },
    ]);
    expect(routed).not.toBe(first);
  });

  it('refuses lab names that would overflow interface names', () => {
    expect(checkLabName('t1')).toBe('t1');
    expect(() => checkLabName('a-very-long-name')).toThrow(/invalid lab name/);
    expect(() => checkLabName('Bad')).toThrow(/invalid lab name "Bad"/);
  });
});

describe('lab topology', () => {
  const topo = labTopology('havoc', 8, 5);

  it('keeps every interface name within the kernel limit of 15 characters', () => {
    const names = [
      ...topo.ports.map((p) => p.name),
      ...topo.station.links.map((l) => l.name),
      ...topo.networks.map((n) => n.bridge),
    ];
    for (const n of names) expect(n.length).toBeLessThanOrEqual(15);
  });

  it('plugs every host NIC into its own switch port with a descriptive alias', () => {
    const ports = topo.hosts.flatMap((h) => h.nics.map((n) => n.port));
    expect(new Set(ports).size).toBe(ports.length);
    expect(topo.ports.find((p) => p.name === topo.hosts[1]!.nics[1]!.port)!.alias).toBe('host2 storage');
  });

  it('writes an inventory that havoc validates', () => {
    const paths = {
      clientKey: '/s/id',
      knownHosts: '/s/kh',
      readCommunity: '/s/ro',
      writeCommunity: '/s/rw',
      bmcAdminPassword: Object.fromEntries(topo.hosts.map((h) => [h.name, `/s/${h.name}`])),
      v3AuthKey: '/s/a',
      v3PrivKey: '/s/p',
    };
    for (const version of ['2c', '3'] as const) {
      const loaded = parseInventory(
        'lab.yaml',
        stringify(labInventory(topo, paths, ['vm1', 'vm2'], version)),
        new Redactor(),
      );
      expect(loaded.inventory.hosts).toHaveLength(8);
      expect(loaded.inventory.hosts[0]!.fencing.levels.map((l) => l.devices[0]!.type)).toEqual([
        'bmc',
        'switch-ports',
      ]);
    }
  });
});

describe('host boot and chassis scripts', () => {
  it('starts services in registration order and keeps PID 1 alive', () => {
    const s = bootScript({ name: 'host1', dir: '/d', setup: [] }, [
      { name: 'sshd', argv: ['/usr/sbin/sshd', '-D'] },
      { name: 'corosync', argv: ['corosync', '-f'], prepare: [['mount', '--bind', '/a', '/b']] },
    ]);
    expect(s.indexOf("'/usr/sbin/sshd' '-D'")).toBeLessThan(s.indexOf("'mount' '--bind'"));
    expect(s.indexOf("'mount' '--bind'")).toBeLessThan(s.indexOf("'corosync' '-f'"));
    expect(s.trimEnd().endsWith('while :; do sleep 3600 & wait; done')).toBe(true);
  });

  it("quotes paths so a state directory with a quote cannot break the BMC's script", () => {
    const s = chassisScript({ hostName: 'host1', netns: 'x-h1', dir: "/tmp/it's", nics: ['eth0'] });
    expect(s).toContain(`DIR='/tmp/it'\\''s'`);
  });
});
