import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BootService } from '../state.js';
import type { HaNode, HaPlan } from './ha-plan.js';

/*
 * libvirtd on a lab host, as on a KVM node: its own /etc/libvirt,
 * /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt, kept in the
 * host's state directory and bind-mounted over the system paths inside the
 * host's mount namespace at every boot (its /run is already a private
 * tmpfs, so a power cycle forgets every running domain, as a reboot does).
 * libvirtd is a child of the host's init (boot.sh), never PID 1 of the PID
 * namespace: the init reaps the QEMUs libvirtd daemonizes.
 */

export const LIBVIRT_TCP_PORT = 16509;
/** VirtualDomain builds the target's URIs from the node name and this suffix (host2 -> host2-migr). */
export const MIGRATION_NAME_SUFFIX = '-migr';
/** The socket virsh uses for qemu:///system; pacemaker waits for it before probing VMs. */
export const LIBVIRT_SOCKET = '/run/libvirt/libvirt-sock';

export interface LibvirtHostDirs {
  etc: string;
  varLib: string;
  log: string;
  cache: string;
  hostsFile: string;
}

export function libvirtHostDirs(hostDir: string): LibvirtHostDirs {
  const root = join(hostDir, 'ha');
  return {
    etc: join(root, 'etc-libvirt'),
    varLib: join(root, 'var-lib-libvirt'),
    log: join(root, 'log-libvirt'),
    cache: join(root, 'cache-libvirt'),
    hostsFile: join(root, 'etc-hosts'),
  };
}

/**
 * libvirtd.conf: TCP without auth on the migration network only, so the
 * source libvirtd reaches the target's (a real cluster uses TLS or SSH
 * there). Each host gets its own host_uuid: every lab host reads the same
 * SMBIOS UUID, and libvirt refuses to migrate a domain "to the same host".
 */
export function libvirtdConf(node: HaNode, hostUuid: string): string {
  return `# havoc lab: libvirtd of ${node.name}; generated, do not edit.
listen_tls = 0
listen_tcp = 1
listen_addr = "${node.migration}"
tcp_port = "${LIBVIRT_TCP_PORT}"
auth_tcp = "none"
auth_unix_rw = "none"
unix_sock_group = "root"
host_uuid = "${hostUuid}"
log_outputs = "3:stderr"
`;
}

/**
 * qemu.conf: QEMU runs as root with no security driver, no cgroups (no
 * machine slice would be cleaned up when the host is powered off) and no
 * private /dev namespace; its stdio goes to a file, so no virtlogd is needed.
 */
export function qemuConf(): string {
  return `# havoc lab: the QEMU driver of a lab host; generated, do not edit.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
`;
}

/** /etc/hosts of every node: the node names on the management network, <name>-migr on the migration network. */
export function etcHosts(plan: HaPlan): string {
  return [
    '# havoc lab: names of the cluster nodes; generated, do not edit.',
    '127.0.0.1 localhost',
    '::1 localhost ip6-localhost ip6-loopback',
    ...plan.nodes.map((n) => `${n.management} ${n.name}`),
    ...plan.nodes.map((n) => `${n.migration} ${n.name}${MIGRATION_NAME_SUFFIX}`),
    '',
  ].join('\n');
}

export function writeLibvirtHost(hostDir: string, node: HaNode, plan: HaPlan): LibvirtHostDirs {
  const d = libvirtHostDirs(hostDir);
  for (const dir of [
    d.etc,
    join(d.etc, 'qemu'),
    d.varLib,
    join(d.varLib, 'qemu'),
    d.log,
    join(d.log, 'qemu'),
    d.cache,
  ])
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(join(d.etc, 'libvirtd.conf'), libvirtdConf(node, randomUUID()), { mode: 0o644 });
  writeFileSync(join(d.etc, 'qemu.conf'), qemuConf(), { mode: 0o644 });
  writeFileSync(d.hostsFile, etcHosts(plan), { mode: 0o644 });
  return d;
}

/** libvirtd as a boot service: its directories mounted first, then the daemon in the foreground. */
export function libvirtService(d: LibvirtHostDirs): BootService {
  const bind = (from: string, to: string) => ['mount', '--bind', from, to];
  return {
    name: 'libvirtd',
    argv: ['libvirtd', '--listen'],
    prepare: [
      bind(d.etc, '/etc/libvirt'),
      bind(d.varLib, '/var/lib/libvirt'),
      bind(d.log, '/var/log/libvirt'),
      bind(d.cache, '/var/cache/libvirt'),
      // VirtualDomain reaches the target's libvirtd as <node>-migr.
      bind(d.hostsFile, '/etc/hosts'),
    ],
  };
}

/** A prepare step: polls (no fixed sleep) until libvirtd's socket exists, at most 30 s. */
export const WAIT_FOR_LIBVIRTD = [
  'sh',
  '-c',
  `i=0; until [ -S ${LIBVIRT_SOCKET} ]; do i=$((i+1)); [ $i -ge 300 ] && exit 1; sleep 0.1; done`,
];
