import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { HostFacts } from '../../certify/check.js';
import { PACEMAKER_CHECKS } from '../../certify/checks/index.js';
import type { HostFactValues } from '../../certify/facts/fact-values.js';
import { judgeCheck } from '../../certify/run-checks.js';
import { type Inventory, inventorySchema } from '../../inventory/schema.js';
import { parseCmapctl } from '../../protocols/corosync/cmapctl.js';
import { parseCorosyncConf } from '../../protocols/corosync/corosync-conf.js';
import { parseCib } from '../../protocols/pacemaker/cib.js';
import { parseCrmMonXml } from '../../protocols/pacemaker/index.js';
import { LAB_CHECK_STATUSES } from './lab-check-statuses.js';

/*
 * The live checks judged on facts captured from a real 2-host HA lab
 * (corosync 3.1.7, Pacemaker 2.1.5, Debian 12; fixtures/), then on the same
 * facts broken one way at a time, as the broken clusters of the issue.
 */

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const inventory: Inventory = inventorySchema.parse(parse(fixture('lab-inventory.yaml')));
const confText = fixture('corosync.conf');

function labFacts(): HostFactValues {
  return {
    corosyncConf: { text: confText, conf: parseCorosyncConf(confText) },
    cmap: parseCmapctl(fixture('corosync-cmapctl.txt')),
    cib: parseCib(fixture('cibadmin-query.xml')),
    crmMon: parseCrmMonXml(fixture('crm_mon.xml')),
    packages: {
      pacemaker: '2.1.5-1+deb12u1',
      corosync: '3.1.7-1+deb12u2',
      'resource-agents': '1:4.12.0-2',
      'fence-agents': '4.12.1-1',
      'qemu-system-x86': '1:7.2+dfsg-7+deb12u18+b3',
      'qemu-kvm': '',
      'libvirt-daemon': '9.0.0-4+deb12u2',
    },
    clock: { offsetMs: -1.2, uncertaintyMs: 1.6 },
    // Read by the VM and DRBD checks only (vm-drbd-xapi-checks.test.ts), not by these.
    vms: [],
    hostCpu: { model: 'AMD EPYC' },
    drbd: [],
  };
}

const both = (change: (f: HostFactValues, host: string) => void = () => {}): HostFacts[] =>
  ['host1', 'host2'].map((host) => {
    const values = labFacts();
    change(values, host);
    return { host, values, errors: {} };
  });

const judge = (id: string, facts: HostFacts[]) => {
  const check = PACEMAKER_CHECKS.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}`);
  return judgeCheck(check, facts, inventory);
};

describe('live checks on the facts of the real HA lab', () => {
  it('pass where the lab follows the practice, and warn on its short token (3000 ms, for fast tests)', () => {
    const results = Object.fromEntries(PACEMAKER_CHECKS.map((c) => [c.id, judgeCheck(c, both(), inventory)]));
    const statuses = Object.fromEntries(Object.entries(results).map(([id, r]) => [id, r.status]));
    expect(statuses).toEqual(LAB_CHECK_STATUSES);
    expect(results['corosync.token']!.message).toContain('token 3000 ms in effect, expected 5000');
    expect(results['corosync.links']!.hosts.host1).toBe(
      '2 link(s): 198.19.180.11 on heartbeat, 198.19.176.11 on management',
    );
    expect(results['pacemaker.fence-device-per-node']!.message).toContain(
      'host1 by fence-host1, host2 by fence-host2',
    );
  });

  it('stonith disabled is critical', () => {
    const r = judge(
      'pacemaker.stonith-enabled',
      both((f) => {
        f.cib.properties['stonith-enabled'] = 'false';
      }),
    );
    expect(r.status).toBe('critical');
    expect(r.message).toContain('stonith-enabled false');
  });

  it('a cli- constraint left by crm_resource --ban is critical and named (CIB captured after the ban)', () => {
    const cib = fixture('cibadmin-query.xml').replace(
      /<constraints>[\s\S]*<\/constraints>/,
      fixture('cibadmin-constraints-ban.xml').trim(),
    );
    const r = judge(
      'pacemaker.no-cli-constraints',
      both((f) => {
        f.cib = parseCib(cib);
      }),
    );
    expect(r.status).toBe('critical');
    expect(r.message).toBe('left behind: cli-ban-vm1-on-host1 (vm1) (as host1 sees it)');
  });

  it('a corosync token different on one node: the conf differs (critical) and that node is named', () => {
    const changed = confText.replace('token: 3000', 'token: 10000');
    const facts = both((f, host) => {
      if (host === 'host2') f.corosyncConf = { text: changed, conf: parseCorosyncConf(changed) };
    });
    const r = judge('corosync.conf-identical', facts);
    expect(r.status).toBe('critical');
    expect(r.message).toMatch(/^corosync\.conf sha256 differs: \w+ on host1 vs \w+ on host2$/);
  });

  it('a version differing on one node is critical and says which', () => {
    const r = judge(
      'versions.identical',
      both((f, host) => {
        if (host === 'host2') f.packages.pacemaker = '2.1.6-1';
      }),
    );
    expect(r.status).toBe('critical');
    expect(r.message).toBe('pacemaker differs: 2.1.5-1+deb12u1 on host1 vs 2.1.6-1 on host2');
  });

  it('a host whose facts could not be gathered makes the check an error, never a pass or a failure', () => {
    const facts = both();
    facts[1] = { host: 'host2', values: {}, errors: { packages: 'ssh: connect ETIMEDOUT 198.19.176.12:22' } };
    const r = judge('versions.identical', facts);
    expect(r.status).toBe('error');
    expect(r.hosts.host2).toBe('error: packages: ssh: connect ETIMEDOUT 198.19.176.12:22');
    // A cluster-wide check is judged from the host that answered.
    const all = both();
    all[0] = { host: 'host1', values: {}, errors: { cib: 'timeout' } };
    expect(judge('pacemaker.stonith-enabled', all).status).toBe('passing');
  });

  it('a failure seen on one host stays a failure when another host could not be asked', () => {
    const facts = both((f, host) => {
      if (host === 'host1') f.clock = { offsetMs: 2500, uncertaintyMs: 2 };
    });
    facts[1] = { host: 'host2', values: {}, errors: { clock: 'timeout' } };
    const r = judge('time.synchronised', facts);
    expect(r.status).toBe('warning');
    expect(r.message).toBe('host1: offset 2500.0 ms (±2.0 ms)');
  });

  it('one link per node, and a fence delay missing on two nodes', () => {
    const oneLink = confText.replace(/\s*ring1_addr: .*/g, '');
    const links = judge(
      'corosync.links',
      both((f) => {
        f.corosyncConf = { text: oneLink, conf: parseCorosyncConf(oneLink) };
      }),
    );
    expect(links.status).toBe('warning');
    expect(links.hosts.host2).toBe('1 link(s): 198.19.180.12 on heartbeat');
    const delay = judge(
      'pacemaker.fence-delay',
      both((f) => {
        for (const p of f.cib.primitives) delete p.params.pcmk_delay_base;
      }),
    );
    expect(delay.status).toBe('critical');
  });

  it('the corosync.conf parser names the line of what it cannot read', () => {
    expect(() => parseCorosyncConf('totem {\n  token 3000\n}\n', '/etc/corosync/corosync.conf')).toThrow(
      '/etc/corosync/corosync.conf:2: expected "key: value", "name {" or "}", got "token 3000"',
    );
    expect(() => parseCorosyncConf('totem {\n', 'c.conf')).toThrow('c.conf: 1 section(s) not closed');
  });
});
