/*
 * QEMUs started with -qmp on a host (bare QEMUs: havoc's ocf:havoc:qemu-vm
 * agent, any QEMU libvirt does not run; libvirt's own monitor is not -qmp):
 * one POSIX sh loop over /proc, run on the host over SSH by the exporter's
 * host script, the live checks and the QMP watcher, each with its own way of
 * framing what it prints.
 */

/**
 * The loop, with `body` run for each such QEMU: `$p` is its PID and `$c` its
 * argv, one argument per line. A process whose command line does not name
 * qemu (a shell whose own script names -qmp, such as this one) is skipped.
 */
export function qemuProcessLoop(body: string): string {
  return `for f in $(grep -l -a -e '-qmp' /proc/[0-9]*/cmdline 2>/dev/null); do
  p=\${f%/cmdline}; p=\${p#/proc/}
  c=$(tr '\\0' '\\n' 2>/dev/null < "$f") || continue
  case "$c" in *qemu*) ;; *) continue ;; esac
  ${body}
done`;
}
