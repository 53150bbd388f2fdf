import { type VmSpec, vmPaths } from './vmSpec.js';

export interface QemuLaunch {
  /** Wait for a migration stream: `defer` (then QMP migrate-incoming) or a URI such as `exec:...`. */
  incoming?: string;
}

/** Kernel command line the guest's /init reads (see lab/guest/initScript.ts). */
export function guestAppend(spec: VmSpec): string {
  const parts = ['console=ttyS0', 'quiet', 'panic=-1', `havoc.ip=${spec.ip}`, `havoc.name=${spec.name}`];
  if (spec.gateway) parts.push(`havoc.gw=${spec.gateway}`);
  return parts.join(' ');
}

/**
 * qemu-system-x86_64 argv for a lab VM. Source and target of a migration must
 * get identical device lists, so everything host specific (tap, state dir)
 * stays outside the guest-visible configuration. TCG: these machines have no
 * usable KVM.
 */
export function qemuArgs(spec: VmSpec, launch: QemuLaunch = {}): string[] {
  const paths = vmPaths(spec.stateDir);
  const args = [
    'qemu-system-x86_64',
    '-name',
    spec.name,
    '-accel',
    'tcg',
    '-machine',
    'pc',
    '-m',
    String(spec.memoryMiB),
    '-smp',
    String(spec.vcpus),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-kernel',
    spec.kernel,
    '-initrd',
    spec.initrd,
    '-append',
    guestAppend(spec),
    '-serial',
    `file:${paths.consoleLog}`,
    '-netdev',
    `tap,id=net0,ifname=${spec.tap},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=net0,mac=${spec.mac},romfile=`,
    '-blockdev',
    // cache.direct=on: cache mode none, as the VirtualDomain domain XML's cache='none' (the live check vm.disk-cache).
    `driver=nbd,node-name=disk0,server.type=inet,server.host=${spec.nbd.host},server.port=${spec.nbd.port},export=${spec.nbd.export},cache.direct=on`,
    '-device',
    // A disk error pauses the VM (QMP status io-error) instead of reaching the guest, as libvirt's error_policy=stop.
    'virtio-blk-pci,drive=disk0,werror=stop,rerror=stop',
    '-qmp',
    `unix:${paths.qmpSocket},server=on,wait=off`,
    '-qmp',
    `unix:${paths.observerSocket},server=on,wait=off`,
    '-pidfile',
    paths.pidFile,
    '-daemonize',
  ];
  if (launch.incoming) args.push('-incoming', launch.incoming);
  return args;
}
