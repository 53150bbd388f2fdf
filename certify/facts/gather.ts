import { deadlineSignal, monotonicMs } from '../../core/deadline.js';
import { errorMessage } from '../../core/errors.js';
import { shCommand } from '../../core/shell-quote.js';
import type { HostConfig } from '../../inventory/schema.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import { parseCmapctl } from '../../protocols/corosync/cmapctl.js';
import { parseCorosyncConf } from '../../protocols/corosync/corosync-conf.js';
import { parseDrbdConf } from '../../protocols/drbd/index.js';
import { parseCib } from '../../protocols/pacemaker/cib.js';
import { CRM_MON_ARGV, parseCrmMonXml } from '../../protocols/pacemaker/index.js';
import type { SshPool } from '../../protocols/ssh/index.js';
import type { FactName, HostFacts } from '../check.js';
import type { HostFactValues } from './fact-values.js';
import { parseVmDefinitions, VM_DEFINITIONS_SH } from './vm-definitions.js';

/** The HA packages whose versions must match across hosts: Debian names first, then the RHEL/SUSE ones. */
export const HA_PACKAGES = [
  'pacemaker',
  'corosync',
  'resource-agents',
  'fence-agents',
  'qemu-system-x86',
  'qemu-kvm',
  'libvirt-daemon',
] as const;

const FACT_DEADLINE_MS = 20_000;

type Run = (command: string, what: string) => Promise<string>;

const GATHERERS: { [K in FactName]: (run: Run, host: string) => Promise<HostFactValues[K]> } = {
  corosyncConf: async (run) => {
    const text = await run('cat /etc/corosync/corosync.conf', 'corosync.conf');
    return { text, conf: parseCorosyncConf(text, '/etc/corosync/corosync.conf') };
  },
  cmap: async (run) => parseCmapctl(await run('corosync-cmapctl', 'corosync-cmapctl')),
  cib: async (run) => parseCib(await run('cibadmin --query', 'cibadmin --query')),
  crmMon: async (run) => parseCrmMonXml(await run(shCommand(CRM_MON_ARGV), 'crm_mon')),
  packages: async (run) => {
    // dpkg-query exits 1 when one of the names is not installed and still prints the others; rpm likewise.
    const names = HA_PACKAGES.join(' ');
    const out = await run(
      `if command -v dpkg-query >/dev/null; then dpkg-query -W -f='\${Package}\\t\${Version}\\n' ${names} 2>/dev/null; else rpm -q --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n' ${names} 2>/dev/null | grep -v 'is not installed'; fi; true`,
      'package versions',
    );
    const versions: Record<string, string> = Object.fromEntries(HA_PACKAGES.map((p) => [p, '']));
    for (const line of out.split('\n')) {
      const [name, version] = line.split('\t');
      if (name && version !== undefined && name in versions) versions[name] = version;
    }
    return versions;
  },
  clock: async (run) => {
    // The sample with the shortest round trip bounds the offset best: the host read its clock within it.
    let best: { offsetMs: number; uncertaintyMs: number } | undefined;
    for (let i = 0; i < 3; i++) {
      const t0 = monotonicMs();
      const wall0 = Date.now();
      const remote = Number((await run('date +%s%N', 'the clock')).trim()) / 1e6;
      const rtt = monotonicMs() - t0;
      if (!Number.isFinite(remote)) throw new Error('date +%s%N printed no number');
      const sample = { offsetMs: remote - (wall0 + rtt / 2), uncertaintyMs: rtt / 2 };
      if (!best || sample.uncertaintyMs < best.uncertaintyMs) best = sample;
    }
    return best!;
  },
  vms: async (run, host) => parseVmDefinitions(await run(VM_DEFINITIONS_SH, 'VM definitions'), host),
  hostCpu: async (run) => {
    const model = (await run("grep -m1 '^model name' /proc/cpuinfo", 'the CPU model')).split(':')[1]?.trim();
    if (!model) throw new Error('/proc/cpuinfo has no "model name" line');
    return { model };
  },
  // drbdadm reads the configuration only (no kernel module needed); its stderr says why when it fails.
  drbd: async (run) => parseDrbdConf(await run('drbdadm dump all', 'drbdadm dump all'), 'drbdadm dump all'),
};

/**
 * Gathers the named facts from one host over SSH, every fact on its own with
 * its own deadline, so one that fails (a command missing, a node not in the
 * cluster) is reported as that fact's error and the others still come.
 */
export async function gatherHostFacts(
  host: HostConfig,
  names: readonly FactName[],
  ssh: SshPool,
  signal: AbortSignal,
): Promise<HostFacts> {
  const facts: HostFacts = { host: host.name, values: {}, errors: {} };
  let login: ReturnType<typeof sshLoginOf>;
  try {
    login = sshLoginOf(host);
  } catch (err) {
    for (const n of names) facts.errors[n] = errorMessage(err);
    return facts;
  }
  const run: Run = async (command, what) =>
    (
      await ssh.exec(login, command, {
        signal: AbortSignal.any([signal, deadlineSignal(FACT_DEADLINE_MS, `${what} on ${host.name}`)]),
        what: `${what} on ${host.name}`,
      })
    ).stdout;
  const gather = async (name: FactName) => {
    try {
      (facts.values as Record<FactName, unknown>)[name] = await GATHERERS[name](run, host.name);
    } catch (err) {
      facts.errors[name] = errorMessage(err);
    }
  };
  await Promise.all(names.filter((n) => n !== 'clock').map(gather));
  // Alone on the connection, so the other commands do not lengthen its round trips.
  if (names.includes('clock')) await gather('clock');
  return facts;
}
