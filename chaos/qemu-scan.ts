/*
 * QEMUs started with -qmp on a host (havoc's ocf:havoc:qemu-vm agent runs
 * them bare, without libvirt), as the QMP watcher and the faults that act on
 * such VMs find them: one scan of /proc over SSH, parsed here.
 */

import { qemuProcessLoop } from '../protocols/qmp/qemu-processes.js';

/** The QEMUs of the host started with -qmp: "qemu PID" then its argv one per line, then an empty line. */
export const QEMU_SCAN_SH = qemuProcessLoop(`printf 'qemu %s\\n%s\\n\\n' "$p" "$c"`);

export interface ScannedQemu {
  pid: number;
  /** -name's first part (its guest= value). */
  name: string | undefined;
  /** Every `-qmp unix:PATH,...` in command-line order. */
  qmpSockets: string[];
}

/** Parses QEMU_SCAN_SH's output. */
export function parseQemuScan(text: string): ScannedQemu[] {
  const out: ScannedQemu[] = [];
  for (const block of text.split(/\n\n+/)) {
    const [head, ...args] = block.split('\n').filter((l) => l !== '');
    const pid = Number(/^qemu (\d+)$/.exec(head ?? '')?.[1]);
    // The scan's own shell matches its grep (its script names -qmp and qemu): a QEMU is one whose program is.
    if (!Number.isInteger(pid) || pid <= 0 || !/qemu/.test(args[0]?.split('/').at(-1) ?? '')) continue;
    const after = (i: number) => args[i + 1] ?? '';
    const nameAt = args.indexOf('-name');
    const name =
      nameAt >= 0
        ? after(nameAt)
            .split(',')[0]!
            .replace(/^guest=/, '') || undefined
        : undefined;
    const qmpSockets = args.flatMap((a, i) => {
      const m = a === '-qmp' ? /^unix:([^,]+)/.exec(after(i)) : null;
      return m ? [m[1]!] : [];
    });
    out.push({ pid, name, qmpSockets });
  }
  return out;
}
