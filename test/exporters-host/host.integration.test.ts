import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execProgram } from '../../core/exec.js';
import { Redactor } from '../../core/redact.js';
import type { CollectContext } from '../../exporters/collector.js';
import { clusterCollectors } from '../../exporters/collectors/cluster.js';
import { hostCollector } from '../../exporters/collectors/host.js';
import { sshPoolOf } from '../../exporters/collectors/host-ssh.js';
import { runProbe } from '../../exporters/probe.js';
import { type LoadedInventory, parseInventory } from '../../inventory/load.js';
import { hostNetns } from '../../lab/names.js';
import { ipmitoolPower } from '../lab/ipmitool-peer.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';

/*
 * The host module against the lab's hosts: real sshd per host namespace, real
 * /proc and /sys of each namespace. Lab hosts have no bonds or DRBD (no
 * kernel modules here), so NICs, memory and CPU are checked live; bonds and
 * DRBD on captured outputs in host-render.test.ts. VMs (libvirt and QMP) are
 * read live from the HA lab in host-vms-ha.integration.test.ts.
 */

const LAB = 'hx1';
const _env = process.env;
let dir: string;
let loaded: LoadedInventory;
const cache = new Map<string, unknown>();
const log = pino({ level: 'silent' });

function context(l: LoadedInventory = loaded): Omit<CollectContext, 'signal'> {
  return { loaded: l, log, cache };
}

async function probe(target: string, l: LoadedInventory = loaded) {
  const result = await runProbe({
    target,
    module: 'host',
    collectors: [hostCollector],
    context: context(l),
    deadlineMs: 15_000,
  });
  return { ...result, text: await result.registry.metrics() };
}

let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab(LAB);
  dir = lab.stateDir;
  loaded = lab.loaded;
});

afterAll(async () => {
  sshPoolOf({ loaded, log, cache, signal: AbortSignal.timeout(1) }).close();
  await lab?.down();
});

describe('host module against the lab hosts (real sshd, real /sys/class/net)', () => {
  it('reports every configured NIC with the MTU the kernel has, against the inventory, plus memory and CPUs', async () => {
    const { up, text, outcomes } = await probe('host1');
    expect(outcomes).toEqual([expect.objectContaining({ collector: 'host', ok: true })]);
    expect(up).toBe(true);
    const host = loaded.inventory.hosts[0]!;
    const ns = hostNetns(LAB, 1);
    for (const nic of host.nics) {
      const { stdout } = await execProgram(
        ['ip', 'netns', 'exec', ns, 'cat', `/sys/class/net/${nic.name}/mtu`],
        {
          signal: AbortSignal.timeout(5000),
        },
      );
      expect(text).toContain(`havoc_nic_present{nic="${nic.name}"} 1`);
      expect(text).toContain(`havoc_nic_mtu_bytes{nic="${nic.name}"} ${stdout.trim()}`);
      expect(text).toContain(`havoc_nic_mtu_expected_bytes{nic="${nic.name}"} ${nic.mtu}`);
      expect(text).toContain(
        `havoc_nic_mtu_mismatch{nic="${nic.name}"} ${Number(stdout.trim()) === nic.mtu ? 0 : 1}`,
      );
      expect(text).toMatch(new RegExp(`havoc_nic_oper_state\\{nic="${nic.name}",state="up"\\} 1`));
    }
    const memTotal = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    expect(text).toContain(`havoc_host_memory_total_bytes ${memTotal}`);
    expect(text).toMatch(/^havoc_host_vcpus [1-9]\d*$/m);
    expect(text).toContain('havoc_host_source_up{source="memory"} 1');
    expect(text).toContain('havoc_host_source_up{source="nics"} 1');
  });

  it('keeps one warm connection per host across scrapes', async () => {
    await probe('host1');
    await probe('host2');
    await probe('host1');
    const stats = sshPoolOf({ ...context(), signal: AbortSignal.timeout(1) }).stats();
    expect(stats.map((s) => s.host).sort()).toEqual(['host1', 'host2']);
    expect(stats.every((s) => s.connected)).toBe(true);
  });

  it('a host whose known_hosts entry holds another key gives havoc_up 0 with reason host_key and no metrics of its own', async () => {
    const wrongKnownHosts = join(dir, 'known_hosts.wrong');
    copyFileSync(join(dir, 'ssh', 'known_hosts'), wrongKnownHosts);
    // Replace host2's key with host1's: a "changed" key, exactly what a reinstall or a MITM looks like.
    const lines = readFileSync(wrongKnownHosts, 'utf8').trim().split('\n');
    const keyOf = (name: string) =>
      lines
        .find((l) => l.split(' ')[0]!.split(',').includes(name))!
        .split(' ')
        .slice(1)
        .join(' ');
    const host1Key = keyOf('host1');
    writeFileSync(
      wrongKnownHosts,
      `${lines.map((l) => (l.split(' ')[0]!.split(',').includes('host2') ? `${l.split(' ')[0]} ${host1Key}` : l)).join('\n')}\n`,
    );
    const text = readFileSync(loaded.file, 'utf8').replaceAll(
      join(dir, 'ssh', 'known_hosts'),
      wrongKnownHosts,
    );
    const tampered = parseInventory(loaded.file, text, new Redactor());
    const result = await probe('host2', tampered);
    expect(result.up).toBe(false);
    expect(result.text).toContain('havoc_up{module="host"} 0');
    expect(result.text).toContain('havoc_scrape_error{module="host",collector="host",reason="host_key"} 1');
    expect(result.text).not.toMatch(/^havoc_(nic|host_memory|host_vcpus|bond|drbd|vm)_\w+(\{[^}]*\})? /m);
    expect(result.outcomes[0]?.message).toMatch(
      /host key of host2 \(\S+:22\) CHANGED: seen ssh-ed25519 SHA256:\S+, expected ssh-ed25519 SHA256:\S+/,
    );
  });
});

describe('cluster module against the lab (no HA manager: live hosts by SSH; fencing levels read over IPMI and SNMP)', () => {
  const clusterProbe = async () => {
    const result = await runProbe({
      target: loaded.inventory.cluster.name,
      module: 'cluster',
      collectors: clusterCollectors,
      context: context(),
      deadlineMs: 15_000,
    });
    return { ...result, text: await result.registry.metrics() };
  };

  it('every lab host is fenceable (BMC and switch-port levels answer) and live; powered off, it stops being live but stays fenceable', async () => {
    const before = await clusterProbe();
    expect(before.up).toBe(true);
    for (const h of ['host1', 'host2']) {
      expect(before.text).toContain(`havoc_fencing_ready{host="${h}"} 1`);
      expect(before.text).toContain(`havoc_fencing_level_ready{host="${h}",level="1"} 1`);
      expect(before.text).toContain(`havoc_fencing_level_ready{host="${h}",level="2"} 1`);
      expect(before.text).toContain(`havoc_ha_host_live{host="${h}"} 1`);
    }
    expect(before.text).toContain('havoc_ha_live_hosts_source_info{source="ssh"} 1');
    await ipmitoolPower(loaded.inventory.hosts[1]!, 'off');
    try {
      const after = await clusterProbe();
      expect(after.text).toContain('havoc_ha_host_live{host="host2"} 0');
      expect(after.text).toContain('havoc_ha_host_live{host="host1"} 1');
      // The BMC answers while its host is off: fencing stays possible.
      expect(after.text).toContain('havoc_fencing_level_ready{host="host2",level="1"} 1');
      const host = await probe('host2');
      expect(host.up).toBe(false);
      expect(host.text).toContain('havoc_up{module="host"} 0');
    } finally {
      await ipmitoolPower(loaded.inventory.hosts[1]!, 'on');
    }
  });
});
