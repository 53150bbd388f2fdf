import { HavocError } from '../../core/errors.js';
import { qemuProcessLoop } from '../../protocols/qmp/qemu-processes.js';
import { QMP_DEADLINE_SECONDS, QMP_READER_PERL } from './host-qmp-reader.js';

/*
 * The one shell script a host scrape runs (POSIX sh, on the host, over one SSH
 * channel): every source prints under a marker line "@@havoc@@ <section>
 * [args]", and a command's exit status follows as "@@havoc@@ rc <n>". Sources
 * whose tool is absent print nothing, so the script runs unchanged on KVM,
 * Xen and DRBD hosts alike. Parsing stays on our side (host-sections.ts).
 *
 * QMP: QEMU processes started with "-qmp" (the lab's, and any QEMU not run by
 * libvirt) are listed with their command line, then asked query-status all
 * at once by one perl process (host-qmp-reader.ts), which prints a section
 * per QEMU. If that process fails, its stderr and status go into a
 * "qmp-reader" section, so a failed reader never reads as "no VMs".
 */

export const MARKER = '@@havoc@@';
export const SCRIPT_VERSION = '1';

/**
 * QEMUs started with -qmp (the lab's, any QEMU not run by libvirt): a
 * "qemu PID" section each, its argv one per line; $qp collects the PIDs.
 * Needs the script's m(); the live checks run it too (certify/facts).
 */
export const QEMU_CMDLINES_SH = `qp=
${qemuProcessLoop(`m qemu "$p"; printf '%s\\n' "$c"
  qp="$qp $p"`)}`;

const IFACE_NAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

function checkIface(name: string, where: string): string {
  if (!IFACE_NAME.test(name)) {
    throw new HavocError('config', `${where}: ${JSON.stringify(name)} is not a Linux interface name`, {
      hint: 'letters, digits and _.:@- only, at most 15 characters',
    });
  }
  return name;
}

/** The scrape script for a host whose inventory names these interfaces (NICs, bonds, bond slaves). */
export function hostScript(interfaces: readonly { name: string; where: string }[]): string {
  const names = [...new Set(interfaces.map((i) => checkIface(i.name, i.where)))];
  return `set +e
m() { printf '\\n${MARKER} %s\\n' "$*"; }
rc() { printf '\\n${MARKER} rc %s\\n' "$1"; }
m version ${SCRIPT_VERSION}
m meminfo; cat /proc/meminfo; rc $?
m loadavg; cat /proc/loadavg; rc $?
m nproc; nproc 2>&1 || getconf _NPROCESSORS_ONLN; rc $?
for b in /proc/net/bonding/*; do
  [ -e "$b" ] || continue
  n=\${b##*/}
  m bond "$n"; cat "$b"; rc $?
  for f in /sys/class/net/"$n"/bonding/*; do
    [ -f "$f" ] && { m bond-sysfs "$n" "\${f##*/}"; cat "$f" 2>/dev/null; }
  done
  for s in $(cat /sys/class/net/"$n"/bonding/slaves 2>/dev/null); do
    for f in /sys/class/net/"$n"/lower_"$s"/bonding_slave/*; do
      [ -f "$f" ] && { m bond-slave-sysfs "$n" "$s" "\${f##*/}"; cat "$f" 2>/dev/null; }
    done
  done
done
for i in ${names.join(' ')}; do
  d=/sys/class/net/$i
  if [ -d "$d" ]; then
    m nic "$i"
    for f in operstate mtu speed duplex carrier_changes statistics/rx_errors statistics/tx_errors statistics/rx_dropped statistics/tx_dropped statistics/rx_bytes statistics/tx_bytes; do
      v=; read -r v < "$d/$f" 2>/dev/null; printf '%s=%s\\n' "$f" "$v"
    done
  else
    m nic-missing "$i"
  fi
done
if command -v drbdsetup >/dev/null 2>&1; then
  m drbd-status-json; drbdsetup status --json 2>&1; rc $?
  m drbd-events2; drbdsetup events2 --now --statistics 2>&1; rc $?
elif [ -r /proc/drbd ]; then
  m proc-drbd; cat /proc/drbd; rc $?
fi
if command -v virsh >/dev/null 2>&1 && { [ -S /run/libvirt/libvirt-sock ] || [ -S /run/libvirt/virtqemud-sock ]; }; then
  m virsh-list; virsh list --all 2>&1; rc $?
  virsh list --all --name 2>/dev/null | while IFS= read -r dom; do
    [ -n "$dom" ] || continue
    m virsh-domstate "$dom"; virsh domstate --reason -- "$dom" 2>&1; rc $?
    m virsh-dominfo "$dom"; virsh dominfo -- "$dom" 2>&1; rc $?
  done
fi
if command -v xl >/dev/null 2>&1; then
  m xl-list; xl list 2>&1; rc $?
fi
${QEMU_CMDLINES_SH}
if [ -n "$qp" ]; then
  # The reader's sections go to stdout (fd 3 here); its stderr, if it fails, into $e.
  exec 3>&1
  e=$(perl -e '${QMP_READER_PERL}' ${MARKER} ${QMP_DEADLINE_SECONDS} $qp 2>&1 1>&3 3>&-); r=$?
  exec 3>&-
  [ "$r" = 0 ] || { m qmp-reader; printf '%s\\n' "$e"; rc "$r"; }
fi
m end
`;
}
