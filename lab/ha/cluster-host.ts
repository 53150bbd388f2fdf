import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HavocError } from '../../core/errors.js';
import { fenceHavocProgram, fenceHavocWrapper, STONITH_BINDIR } from '../../fencers/agent-install.js';
import { installOcfLauncher, type LauncherOptions } from '../ocf/ocfLauncher.js';
import type { BootService } from '../state.js';
import { corosyncConf } from './corosync-conf.js';
import type { HaPlan } from './ha-plan.js';
import { type LibvirtHostDirs, libvirtService, WAIT_FOR_LIBVIRTD } from './libvirt-host.js';

/*
 * A lab host's cluster stack as a real node keeps it on its disk: its own
 * /etc/corosync, /var/lib/corosync, /var/lib/pacemaker and
 * /var/log/pacemaker, held in the host's state directory and bind-mounted
 * over the system paths inside the host's private mount namespace at every
 * boot. The OCF agent directory is overlaid the same way, so Pacemaker finds
 * ocf:havoc:qemu-vm without anything being written to the real /usr/lib.
 * With fence_havoc, /usr/sbin (the only place pacemaker-fenced runs fence
 * agents from) becomes a read-only overlay of the host's own sbin directory
 * on top of the real one: fence_havoc appears there, beside every system
 * program, for this host's processes only.
 */

export const OCF_RESOURCE_DIR = '/usr/lib/ocf/resource.d';
/** Providers Debian installs, carried into each host's overlay of OCF_RESOURCE_DIR. */
const SYSTEM_OCF_PROVIDERS = ['heartbeat', 'pacemaker'] as const;

export interface ClusterHostDirs {
  root: string;
  etcCorosync: string;
  varLibCorosync: string;
  varLibPacemaker: string;
  logPacemaker: string;
  ocf: string;
  /** Upper layer of the host's /usr/sbin overlay (fence_havoc). */
  sbin: string;
  /** The chassis' power log (lab/boot-script.ts): "<epoch> off pid=N" at every power-off. */
  powerLog: string;
}

export function clusterHostDirs(hostDir: string): ClusterHostDirs {
  const root = join(hostDir, 'ha');
  return {
    root,
    etcCorosync: join(root, 'etc-corosync'),
    varLibCorosync: join(root, 'var-lib-corosync'),
    varLibPacemaker: join(root, 'var-lib-pacemaker'),
    logPacemaker: join(root, 'log-pacemaker'),
    ocf: join(root, 'ocf'),
    sbin: join(root, 'sbin'),
    powerLog: join(hostDir, 'power.log'),
  };
}

/** uid and gid of a system account, from /etc/passwd and /etc/group. */
function account(user: string, group: string): { uid: number; gid: number } {
  const field = (file: string, name: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[0] === name)?.[2];
  const uid = field('/etc/passwd', user);
  const gid = field('/etc/group', group);
  if (uid === undefined || gid === undefined) {
    throw new HavocError('environment', `the ${user} user or ${group} group does not exist`, {
      hint: 'install the Debian package pacemaker (it creates them)',
    });
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * The CIB every node starts from (no .sig beside it, as on a node that never
 * ran; pacemaker-based accepts it): empty but for a short dc-deadtime, which
 * at 20 s by default would be most of the lab's bring-up, waiting for a DC
 * that cannot exist yet because every node starts at once.
 */
export function initialCib(): string {
  return `<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="${DC_DEADTIME}"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
`;
}

const DC_DEADTIME = '5s';

/** The cluster's shared secret: 128 random bytes, as corosync-keygen writes it. */
export function newAuthkey(): Buffer {
  return randomBytes(128);
}

/**
 * Creates the host's cluster directories (owned as the Debian packages own
 * them), its corosync.conf and authkey, and the OCF overlay with the
 * ocf:havoc:qemu-vm launcher.
 */
export async function writeClusterHost(
  hostDir: string,
  plan: HaPlan,
  authkey: Buffer,
  launcher: LauncherOptions,
): Promise<ClusterHostDirs> {
  const d = clusterHostDirs(hostDir);
  const pcmk = account('hacluster', 'haclient');
  mkdirSync(d.etcCorosync, { recursive: true, mode: 0o755 });
  mkdirSync(d.varLibCorosync, { recursive: true, mode: 0o755 });
  writeFileSync(join(d.etcCorosync, 'corosync.conf'), corosyncConf(plan), { mode: 0o644 });
  writeFileSync(join(d.etcCorosync, 'authkey'), authkey, { mode: 0o400 });
  for (const sub of ['', 'cib', 'pengine', 'blackbox', 'cores']) {
    const path = join(d.varLibPacemaker, sub);
    mkdirSync(path, { recursive: true, mode: sub === '' ? 0o755 : 0o750 });
    if (sub !== '') chownSync(path, pcmk.uid, pcmk.gid);
  }
  const cib = join(d.varLibPacemaker, 'cib', 'cib.xml');
  writeFileSync(cib, initialCib(), { mode: 0o600 });
  chownSync(cib, pcmk.uid, pcmk.gid);
  for (const sub of ['', 'bundles']) {
    const path = join(d.logPacemaker, sub);
    mkdirSync(path, { recursive: true, mode: 0o770 });
    chownSync(path, pcmk.uid, pcmk.gid);
  }
  for (const provider of SYSTEM_OCF_PROVIDERS) mkdirSync(join(d.ocf, provider), { recursive: true });
  await installOcfLauncher(join(d.ocf, 'havoc', 'qemu-vm'), launcher);
  if (plan.fenceAgent === 'fence_havoc') {
    mkdirSync(d.sbin, { recursive: true, mode: 0o755 });
    // The inventory comes with every call, as the stonith device's inventory= parameter.
    writeFileSync(join(d.sbin, 'fence_havoc'), fenceHavocWrapper(hostFenceProgram(d.sbin)), { mode: 0o755 });
  }
  return d;
}

/** Where the bundled fence_havoc lives inside a host: a folder of the host-only /usr/sbin overlay. */
const HOST_PROGRAM_DIR = '.fence_havoc';

/**
 * The fence_havoc program as the host's Pacemaker runs it. pacemaker-controld
 * reads every agent's metadata itself, as hacluster; a checkout in a root-only
 * folder (/root, a `mktemp -d` clone) is unreadable to it, and each operation
 * on the device then paid two failed metadata runs ("Failed to get metadata
 * for fence-hostN") before it started. So the bundle (self-contained, see
 * fencers/agent-bundle.ts) is copied into the overlay, readable by everyone.
 */
function hostFenceProgram(sbin: string): string {
  const program = fenceHavocProgram();
  if (basename(program) !== 'fence_havoc.mjs') {
    throw new HavocError(
      'lab',
      `fence_havoc's bundle is older than its compiled code (${program} would run)`,
      {
        hint: 'run `npm run build`, which makes dist/fence_havoc/ after tsc',
      },
    );
  }
  const dir = join(sbin, HOST_PROGRAM_DIR);
  cpSync(dirname(program), dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
  return join(STONITH_BINDIR, HOST_PROGRAM_DIR, basename(program));
}

/**
 * A read-only overlay needs no upper or work directory, only lower layers
 * (the first one wins); overlayfs separates them with ':' and options with ','.
 */
function sbinOverlay(d: ClusterHostDirs): string[] {
  if (/[:,]/.test(d.sbin)) {
    throw new HavocError(
      'lab',
      `the lab state path ${d.sbin} contains ':' or ',', which overlayfs cannot take`,
      {
        hint: 'set HAVOC_LAB_DIR to a path without them',
      },
    );
  }
  return [
    'mount',
    '-t',
    'overlay',
    'havoc-sbin',
    '-o',
    `lowerdir=${d.sbin}:${STONITH_BINDIR}`,
    STONITH_BINDIR,
  ];
}

/** Mounts every boot makes before corosync starts. */
export function clusterMounts(d: ClusterHostDirs, fenceAgent: HaPlan['fenceAgent']): string[][] {
  const bind = (from: string, to: string) => ['mount', '--bind', from, to];
  return [
    bind(d.etcCorosync, '/etc/corosync'),
    bind(d.varLibCorosync, '/var/lib/corosync'),
    bind(d.varLibPacemaker, '/var/lib/pacemaker'),
    bind(d.logPacemaker, '/var/log/pacemaker'),
    ...SYSTEM_OCF_PROVIDERS.map((p) => bind(join(OCF_RESOURCE_DIR, p), join(d.ocf, p))),
    // rbind: the overlay carries the provider mounts just made inside it.
    ['mount', '--rbind', d.ocf, OCF_RESOURCE_DIR],
    ...(fenceAgent === 'fence_havoc' ? [sbinOverlay(d)] : []),
  ];
}

/**
 * A real server takes a minute or more from power-off to its OS starting the
 * cluster stack; a lab host boots in well under a second. After a fence
 * "reboot", Pacemaker on the new boot would then join before fenced has told
 * the cluster that this very reboot completed, take that notice as its own
 * fencing and stay down ("Shutting down and staying down after fatal
 * error"). So the cluster stack starts no sooner than this many seconds
 * after the host's last power-off; the first boot does not wait.
 */
export const MIN_OFF_TO_CLUSTER_S = 8;

function waitMinOffTime(d: ClusterHostDirs): string[] {
  return [
    'sh',
    '-c',
    `last=$(grep ' off pid=' "$1" 2>/dev/null | tail -n 1 | cut -d ' ' -f 1)
[ -n "$last" ] || exit 0
w=$(awk -v off="$last" -v now="$(date +%s.%N)" -v min=${MIN_OFF_TO_CLUSTER_S} 'BEGIN { d = min - (now - off); if (d > 0) printf "%.2f", d; else print 0 }')
echo "cluster stack waits $w s (powered off at $last)"
sleep "$w"`,
    'wait-min-off-time',
    d.powerLog,
  ];
}

/** Polls (no fixed sleep) until corosync answers on its IPC, at most 30 s, so pacemakerd finds it. */
const WAIT_FOR_COROSYNC = [
  'sh',
  '-c',
  'i=0; until corosync-cfgtool -s >/dev/null 2>&1; do i=$((i+1)); [ $i -ge 300 ] && exit 1; sleep 0.1; done',
];

/**
 * The host's cluster services in boot order: corosync, libvirtd when the VMs
 * run under libvirt (VirtualDomain), then pacemakerd once corosync (and
 * libvirtd) answer, so its first probes of the VMs find the hypervisor.
 */
export function clusterServices(
  d: ClusterHostDirs,
  fenceAgent: HaPlan['fenceAgent'],
  libvirt?: LibvirtHostDirs,
): BootService[] {
  return [
    {
      name: 'corosync',
      argv: ['corosync', '-f'],
      prepare: [waitMinOffTime(d), ...clusterMounts(d, fenceAgent)],
    },
    ...(libvirt ? [libvirtService(libvirt)] : []),
    {
      name: 'pacemaker',
      argv: [
        'env',
        'PCMK_logfile=/var/log/pacemaker/pacemaker.log',
        'PCMK_logfacility=none',
        'pacemakerd',
        '-f',
      ],
      prepare: [WAIT_FOR_COROSYNC, ...(libvirt ? [WAIT_FOR_LIBVIRTD] : [])],
    },
  ];
}
