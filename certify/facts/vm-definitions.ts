import { errorMessage } from '../../core/errors.js';
import { MARKER, QEMU_CMDLINES_SH } from '../../exporters/collectors/host-script.js';
import { splitSections } from '../../exporters/collectors/host-sections.js';
import { qemuCmdline } from '../../exporters/collectors/host-snapshot.js';
import { parseDomainXml } from '../../protocols/libvirt/index.js';

/** A VM as defined on one host, from libvirt's domain XML or the command line of a QEMU run without libvirt. */
export interface VmDefinition {
  name: string;
  /** libvirt: `virsh dumpxml`; qemu: /proc/PID/cmdline of a QEMU started with -qmp (havoc's qemu-vm agent). */
  source: 'libvirt' | 'qemu';
  /** The memory the guest boots with, MiB; undefined when the command line does not say. */
  memoryMiB: number | undefined;
  /**
   * How the guest's CPU relates to the host's: host (passthrough or
   * host-model: the guest sees this host's CPU, so every host it may run on
   * must have the same), named (a CPU model any host that has its features
   * can offer), emulated (TCG: the host's CPU never reaches the guest).
   */
  cpu: { kind: 'host' | 'named' | 'emulated'; detail: string };
  disks: { name: string; source: string; cache: string }[];
}

/**
 * One command on the host: every libvirt domain's XML (`virsh list --all
 * --name`, `virsh dumpxml`), then the QEMU command lines the host collector
 * reads (QEMU_CMDLINES_SH). A host without libvirt prints only the second.
 */
export const VM_DEFINITIONS_SH = `set +e
m() { printf '\\n${MARKER} %s\\n' "$*"; }
rc() { printf '\\n${MARKER} rc %s\\n' "$1"; }
if command -v virsh >/dev/null 2>&1 && { [ -S /run/libvirt/libvirt-sock ] || [ -S /run/libvirt/virtqemud-sock ]; }; then
  m virsh-list; virsh list --all --name 2>&1; rc $?
  virsh list --all --name 2>/dev/null | while IFS= read -r dom; do
    [ -n "$dom" ] || continue
    m domain "$dom"; virsh dumpxml -- "$dom" 2>&1; rc $?
  done
fi
${QEMU_CMDLINES_SH}
m end
`;

/** The libvirt domain's CPU in the terms of VmDefinition. */
function libvirtCpu(type: string, mode: string, model: string | undefined): VmDefinition['cpu'] {
  if (type === 'qemu') return { kind: 'emulated', detail: 'domain type qemu (TCG)' };
  if (mode === 'host-passthrough' || mode === 'host-model' || mode === 'maximum')
    return { kind: 'host', detail: `cpu mode ${mode}` };
  return {
    kind: 'named',
    detail: mode === 'default' ? 'no <cpu>: the hypervisor default model' : `cpu model ${model}`,
  };
}

function qemuCpu(cpu: string | undefined, accel: string | undefined): VmDefinition['cpu'] {
  if (accel === 'tcg') return { kind: 'emulated', detail: `-accel tcg${cpu ? ` -cpu ${cpu}` : ''}` };
  if (cpu === 'host' || cpu === 'max') return { kind: 'host', detail: `-cpu ${cpu}` };
  return { kind: 'named', detail: cpu ? `-cpu ${cpu}` : 'no -cpu: QEMU default model' };
}

/** Parses VM_DEFINITIONS_SH's output; a domain whose XML cannot be read fails the whole fact, named. */
export function parseVmDefinitions(output: string, host: string): VmDefinition[] {
  const vms: VmDefinition[] = [];
  for (const s of splitSections(output, host)) {
    if (s.name === 'virsh-list' && s.rc !== 0) throw new Error(`virsh list --all --name: ${s.body.trim()}`);
    if (s.name === 'domain') {
      const dom = s.args.join(' ');
      if (s.rc !== 0) throw new Error(`virsh dumpxml ${dom}: ${s.body.trim()}`);
      let d: ReturnType<typeof parseDomainXml>;
      try {
        d = parseDomainXml(s.body, `virsh dumpxml ${dom}`);
      } catch (err) {
        throw new Error(errorMessage(err));
      }
      vms.push({
        name: d.name,
        source: 'libvirt',
        memoryMiB: d.memoryMiB,
        cpu: libvirtCpu(d.type, d.cpu.mode, d.cpu.model),
        // A read-only or shareable disk holds no writes of this host that a migration could lose.
        disks: d.disks
          .filter((k) => !k.readonly)
          .map((k) => ({ name: k.target, source: k.source, cache: k.cache ?? 'writeback (default)' })),
      });
    }
    if (s.name === 'qemu') {
      const q = qemuCmdline(s.body.split('\n').filter((l) => l !== ''));
      vms.push({
        name: q.name ?? `qemu-${s.args[0]}`,
        source: 'qemu',
        memoryMiB: q.memoryBytes === undefined ? undefined : q.memoryBytes / 2 ** 20,
        cpu: qemuCpu(q.cpu, q.accel),
        disks: q.disks.map((k) => ({ name: k.name, source: k.name, cache: k.cache })),
      });
    }
  }
  return vms;
}
