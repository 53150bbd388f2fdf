import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliConstraints, parseCliConstraints, parseCrmMonXml, parseLocationConstraints } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('cibadmin --query --scope constraints (captured from the HA lab)', () => {
  it("finds the cli-prefer- constraint crm_resource --move left (3-host lab), and none of the lab's own", () => {
    expect(
      parseCliConstraints(fixture('cibadmin-constraints-cli-prefer.xml')).map((c) => [
        c.kind,
        c.id,
        c.resource,
        c.node,
        c.score,
      ]),
    ).toEqual([['prefer', 'cli-prefer-vm1', 'vm1', 'host3', 'INFINITY']]);
    expect(
      parseCliConstraints(fixture('cibadmin-constraints-cli-ban.xml')).map((c) => [
        c.kind,
        c.id,
        c.resource,
        c.node,
      ]),
    ).toEqual([['ban', 'cli-ban-vm2-on-host1', 'vm2', 'host1']]);
  });

  it('reads the location constraints; the lab has no cli- constraint', () => {
    const all = parseLocationConstraints(fixture('cibadmin-constraints-lab.xml'));
    expect(all.map((c) => [c.id, c.resource, c.node, c.score])).toEqual([
      ['fence-host1-not-on-self', 'fence-host1', 'host1', '-INFINITY'],
      ['fence-host2-not-on-self', 'fence-host2', 'host2', '-INFINITY'],
      ['vm1-home', 'vm1', 'host1', '50'],
    ]);
    expect(cliConstraints(all)).toEqual([]);
  });

  it('finds the ban crm_resource --ban left behind, and a cli-prefer from a real CIB', () => {
    const ban = cliConstraints(parseLocationConstraints(fixture('cibadmin-constraints-cli-ban-2host.xml')));
    expect(ban).toEqual([
      {
        id: 'cli-ban-vm1-on-host2',
        resource: 'vm1',
        node: 'host2',
        score: '-INFINITY',
        role: 'Started',
        hasRules: false,
        kind: 'ban',
      },
    ]);
    const cib = fixture('cib-vm1-active-on-two.xml');
    const constraints = /<constraints>[\s\S]*<\/constraints>/.exec(cib)?.[0] ?? '';
    expect(
      cliConstraints(parseLocationConstraints(constraints)).map((c) => [c.kind, c.resource, c.node]),
    ).toEqual([['prefer', 'vm2', 'host2']]);
  });

  it('reads an empty constraints section, and rejects another document', () => {
    expect(parseLocationConstraints('<constraints/>')).toEqual([]);
    expect(() => parseLocationConstraints('<cib/>')).toThrow(
      /expected a <constraints> root element, got cib/,
    );
    expect(() => parseLocationConstraints('<constraints><rsc_location rsc="x"/></constraints>')).toThrow(
      /rsc_location #1 has no id/,
    );
  });
});

describe('crm_mon: stonith-enabled and nodes_running_on', () => {
  it('reads a healthy lab: stonith on, every resource on one node (captured from the HA lab)', () => {
    const st = parseCrmMonXml(fixture('crm_mon-ha-lab.xml'));
    expect([st.summary.stonithEnabled, st.summary.maintenanceMode]).toEqual([true, false]);
    expect(st.resources.map((r) => [r.id, r.nodesRunningOn, r.managed])).toEqual([
      ['fence-host1', 1, true],
      ['fence-host2', 1, true],
      ['vm1', 1, true],
    ]);
  });

  it('reads a VM active on two nodes, an unmanaged VM and stonith disabled (real crm_mon on a CIB written for havoc)', () => {
    const st = parseCrmMonXml(fixture('crm_mon-vm1-active-on-two.xml'));
    expect(st.summary.stonithEnabled).toBe(false);
    expect(st.resources.map((r) => [r.id, r.nodesRunningOn, r.nodes, r.managed])).toEqual([
      ['vm1', 2, ['host1', 'host2'], true],
      ['vm2', 1, ['host1'], false],
    ]);
    expect(st.failCounts).toEqual([
      expect.objectContaining({ node: 'host2', resource: 'vm1', failCount: 2, migrationThreshold: 3 }),
    ]);
  });
});
