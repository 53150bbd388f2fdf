import { createHash } from 'node:crypto';
import { guestAppend } from '../vm/qemuArgs.js';
import { type HaVm, VM_BRIDGE, VM_MEMORY_MIB, VM_VCPUS } from './ha-plan.js';

/*
 * The libvirt domain of a lab VM, as ocf:heartbeat:VirtualDomain starts it
 * (`virsh create <config>`) on whichever node Pacemaker chooses: one file in
 * the lab's state directory that every host sees. It matches what
 * ocf:havoc:qemu-vm runs: TCG, direct kernel boot of the lab guest, the
 * VM's fixed MAC on the host's br-vm, its disk an NBD export of the storage
 * host. Nothing in it is host specific, so it is also the migration target.
 * A disk error pauses the VM (error_policy/rerror_policy stop: QEMU's
 * werror/rerror=stop) instead of reaching the guest, as on a production
 * cluster, so a storage-loss shows as "paused (I/O error)" and resumes.
 */

export interface DomainInputs {
  /** Lab name, for a UUID unique per lab and VM. */
  lab: string;
  kernel: string;
  initrd: string;
  nbdHost: string;
  nbdPort: number;
}

const esc = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll("'", '&apos;');

/** A stable UUID (RFC 4122 layout) from the lab and VM names, so the same VM has the same UUID on every host. */
export function domainUuid(lab: string, vm: string): string {
  const h = createHash('sha256').update(`havoc-lab/${lab}/${vm}`).digest('hex');
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Where libvirt writes the guest's serial console, on the node that runs it. */
export function consoleLogPath(vm: string): string {
  return `/var/log/libvirt/qemu/${vm}-console.log`;
}

export function domainXml(vm: HaVm, d: DomainInputs): string {
  const cmdline = guestAppend({
    name: vm.name,
    memoryMiB: VM_MEMORY_MIB,
    vcpus: VM_VCPUS,
    kernel: d.kernel,
    initrd: d.initrd,
    ip: `${vm.ip}/${vm.prefixLength}`,
    mac: vm.mac,
    // libvirt names and creates the tap itself; the spec's tap and state directory are qemu-vm's.
    tap: '',
    bridge: VM_BRIDGE,
    nbd: { host: d.nbdHost, port: d.nbdPort, export: vm.volume },
    stateDir: '',
  });
  return `<domain type='qemu'>
  <name>${esc(vm.name)}</name>
  <uuid>${domainUuid(d.lab, vm.name)}</uuid>
  <memory unit='MiB'>${VM_MEMORY_MIB}</memory>
  <vcpu>${VM_VCPUS}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${esc(d.kernel)}</kernel>
    <initrd>${esc(d.initrd)}</initrd>
    <cmdline>${esc(cmdline)}</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw' cache='none' error_policy='stop' rerror_policy='stop'/>
      <source protocol='nbd' name='${esc(vm.volume)}'>
        <host name='${esc(d.nbdHost)}' port='${d.nbdPort}'/>
      </source>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='bridge'>
      <mac address='${vm.mac}'/>
      <source bridge='${VM_BRIDGE}'/>
      <model type='virtio'/>
      <rom enabled='no'/>
    </interface>
    <serial type='file'>
      <source path='${consoleLogPath(vm.name)}' append='on'/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
