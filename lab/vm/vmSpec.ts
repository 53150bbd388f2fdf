import { join } from 'node:path';
import { MIGRATION_RECORD } from '../../chaos/qemu-vm-paths.js';

/** One lab VM as QEMU runs it on one host. The same spec, with another host's netns/stateDir, is its migration target. */
export interface VmSpec {
  name: string;
  /** Host network namespace to run QEMU in; absent when already inside it (the OCF agent on a node). */
  netns?: string | undefined;
  memoryMiB: number;
  vcpus: number;
  kernel: string;
  initrd: string;
  /** Guest address with prefix, e.g. 198.18.3.101/24, and optional gateway. */
  ip: string;
  gateway?: string | undefined;
  mac: string;
  /** Tap device created for the VM and enslaved to `bridge` in the host namespace. */
  tap: string;
  bridge: string;
  nbd: { host: string; port: number; export: string };
  /** Per host and VM: QMP socket, pidfile, console log. */
  stateDir: string;
}

export interface VmPaths {
  /** The monitor the VM layer and the OCF agent use, one short connection per action. */
  qmpSocket: string;
  /**
   * A second monitor for observers (event watchers, status collectors): QEMU
   * serves one client per monitor, so a long-lived watcher on qmpSocket would
   * make the agent's monitor action time out.
   */
  observerSocket: string;
  pidFile: string;
  consoleLog: string;
  /**
   * QEMU's own report of the last live migration away from this host
   * (query-migrate: downtime, total time), written by the qemu-vm agent's
   * stop of the paused source; the live-migrate action reads it (its name is
   * repeated in chaos/actions/qemu-vm-downtime.ts).
   */
  migrationRecord: string;
}

export function vmPaths(stateDir: string): VmPaths {
  return {
    qmpSocket: join(stateDir, 'qmp.sock'),
    observerSocket: join(stateDir, 'qmp-observer.sock'),
    pidFile: join(stateDir, 'qemu.pid'),
    consoleLog: join(stateDir, 'console.log'),
    migrationRecord: join(stateDir, MIGRATION_RECORD),
  };
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
const IFNAME = /^[a-zA-Z0-9_.-]{1,15}$/;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isIpv4(text: string): boolean {
  const m = IPV4.exec(text);
  return !!m && m.slice(1).every((part) => Number(part) <= 255);
}

/**
 * Every problem with a spec, each naming the field and what is wrong (empty
 * when valid). Values end up on a QEMU command line and a kernel command
 * line, so they are held to strict shapes rather than escaped.
 */
export function validateVmSpec(spec: VmSpec): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  check(
    NAME.test(spec.name),
    `name ${JSON.stringify(spec.name)} must be 1-63 letters, digits, '.', '_' or '-'`,
  );
  check(
    spec.netns === undefined || NAME.test(spec.netns),
    `netns ${JSON.stringify(spec.netns)} is not a namespace name`,
  );
  check(
    Number.isInteger(spec.memoryMiB) && spec.memoryMiB >= 96,
    `memory ${spec.memoryMiB} MiB: need an integer >= 96 (the Debian kernel does not boot in less)`,
  );
  check(
    Number.isInteger(spec.vcpus) && spec.vcpus >= 1 && spec.vcpus <= 16,
    `vcpus ${spec.vcpus}: need an integer 1-16`,
  );
  check(spec.kernel.startsWith('/'), `kernel ${JSON.stringify(spec.kernel)} must be an absolute path`);
  check(spec.initrd.startsWith('/'), `initrd ${JSON.stringify(spec.initrd)} must be an absolute path`);
  const [addr, prefix] = spec.ip.split('/');
  check(
    isIpv4(addr ?? '') && Number.isInteger(Number(prefix)) && Number(prefix) >= 1 && Number(prefix) <= 32,
    `ip ${JSON.stringify(spec.ip)} must be IPv4/prefix, e.g. 198.18.3.101/24`,
  );
  check(
    spec.gateway === undefined || isIpv4(spec.gateway),
    `gateway ${JSON.stringify(spec.gateway)} is not an IPv4 address`,
  );
  check(MAC.test(spec.mac), `mac ${JSON.stringify(spec.mac)} must look like 52:54:00:12:34:56`);
  check(
    MAC.test(spec.mac) && (Number.parseInt(spec.mac.slice(0, 2), 16) & 1) === 0,
    `mac ${spec.mac} is a multicast address`,
  );
  check(IFNAME.test(spec.tap), `tap ${JSON.stringify(spec.tap)} must be a 1-15 character interface name`);
  check(
    IFNAME.test(spec.bridge),
    `bridge ${JSON.stringify(spec.bridge)} must be a 1-15 character interface name`,
  );
  check(isIpv4(spec.nbd.host), `nbd host ${JSON.stringify(spec.nbd.host)} is not an IPv4 address`);
  check(
    Number.isInteger(spec.nbd.port) && spec.nbd.port > 0 && spec.nbd.port < 65536,
    `nbd port ${spec.nbd.port} is not a TCP port`,
  );
  check(NAME.test(spec.nbd.export), `nbd export ${JSON.stringify(spec.nbd.export)} must be a plain name`);
  check(
    spec.stateDir.startsWith('/') && !spec.stateDir.includes(','),
    `stateDir ${JSON.stringify(spec.stateDir)} must be an absolute path without commas`,
  );
  // sun_path holds 108 bytes including the terminator.
  check(
    vmPaths(spec.stateDir).qmpSocket.length < 108,
    `stateDir ${spec.stateDir} is too long for a unix socket path`,
  );
  return problems;
}

export function assertValidVmSpec(spec: VmSpec): void {
  const problems = validateVmSpec(spec);
  if (problems.length > 0)
    throw new Error(`VM spec ${spec.name || '(unnamed)'} is invalid: ${problems.join('; ')}`);
}
