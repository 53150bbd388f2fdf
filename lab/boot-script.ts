import { dirname, join } from 'node:path';
import { LAB_BOOTED_MARKER, LAB_SERVICE_SCRIPT } from '../chaos/lab-services.js';
import { shCommand, shQuote } from '../core/shell-quote.js';
import type { BootService } from './state.js';

/**
 * The "firmware and init" of a lab host: a shell script that runs as PID 1 of
 * the host's own PID, mount and UTS namespaces (inside its network namespace).
 * It gives the host its name and a private /run and /dev/shm, starts every
 * boot service in order, then stays alive reaping orphans. Powering the host
 * off kills this process, and with it, by the kernel's rule for PID
 * namespaces, every process of the host at once.
 */
export function bootScript(
  host: { name: string; dir: string; setup: readonly string[][] },
  services: readonly BootService[],
): string {
  const logDir = join(host.dir, 'log');
  const lines = [
    '#!/bin/sh',
    `# havoc lab: boot sequence of ${host.name}; generated from the lab state, do not edit.`,
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'export PATH',
    `hostname ${shQuote(host.name)}`,
    'mount -t tmpfs -o mode=0755 tmpfs /run',
    'mount -t tmpfs -o mode=1777 tmpfs /dev/shm',
    // A lab host is another machine: the station's /root/.bashrc (bash runs it for every SSH command as root) is not
    // its own; the station's pyenv init there waits 60 s on a lock a killed host process left behind.
    '[ -f /root/.bashrc ] && mount --bind /dev/null /root/.bashrc',
    `mkdir -p ${shQuote(logDir)}`,
    `echo "boot $(date +%s.%N)" >> ${shQuote(join(logDir, 'boot.log'))}`,
    ...host.setup.map((step) => `${shCommand(step)} >>${shQuote(join(logDir, 'boot.log'))} 2>&1`),
    `mkdir -p ${shQuote(dirname(LAB_SERVICE_SCRIPT))}`,
    `cat > ${shQuote(LAB_SERVICE_SCRIPT)} <<'HAVOC_SERVICE_EOF'`,
    serviceScript(host.name, logDir, services),
    'HAVOC_SERVICE_EOF',
    `chmod 755 ${shQuote(LAB_SERVICE_SCRIPT)}`,
  ];
  for (const svc of services) {
    const log = shQuote(join(logDir, `${svc.name}.log`));
    lines.push(`# service ${svc.name}`);
    for (const step of svc.prepare ?? []) {
      lines.push(`${shCommand(step)} </dev/null >>${log} 2>&1 || echo "prepare step failed: $?" >>${log}`);
    }
    lines.push(`${shCommand(svc.argv)} </dev/null >>${log} 2>&1 &`);
  }
  lines.push(`touch ${shQuote(LAB_BOOTED_MARKER)}`);
  // PID 1 must outlive its services and reap the orphans reparented to it.
  lines.push('while :; do sleep 3600 & wait; done', '');
  return lines.join('\n');
}

/**
 * The host's LAB_SERVICE_SCRIPT (chaos/lab-services.ts): starts one boot
 * service's daemon again as boot.sh started it (same command, same log),
 * detached so the host's init adopts it. Its prepare steps are not rerun:
 * they mount what is still mounted, or wait for what the boot already waited for.
 */
function serviceScript(hostName: string, logDir: string, services: readonly BootService[]): string {
  const cases = services.map((svc) => {
    const log = shQuote(join(logDir, `${svc.name}.log`));
    const run = `exec ${shCommand(svc.argv)} </dev/null >>${log} 2>&1`;
    return `  ${shQuote(svc.name)}) setsid -f sh -c ${shQuote(run)} ;;`;
  });
  return [
    '#!/bin/sh',
    `# havoc lab: starts a boot service of ${hostName} again (daemon-kill's revert); generated, do not edit.`,
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '[ "$1" = start ] && [ -n "$2" ] || { echo "usage: $0 start SERVICE [PROGRAM]" >&2; exit 2; }',
    'i=0',
    `until [ -f ${shQuote(LAB_BOOTED_MARKER)} ]; do`,
    '  i=$((i + 1))',
    '  [ $i -ge 1200 ] && { echo "the boot of this host did not finish within 120 s" >&2; exit 1; }',
    '  sleep 0.1',
    'done',
    '[ -n "$3" ] && pidof "$3" >/dev/null && { echo "$3 already runs"; exit 0; }',
    'case "$2" in',
    ...cases,
    `  *) echo "no boot service $2 on ${hostName} (its services: ${services.map((s) => s.name).join(', ')})" >&2; exit 2 ;;`,
    'esac',
  ].join('\n');
}

export interface ChassisScriptInput {
  hostName: string;
  netns: string;
  /** The host's state directory (boot.sh, power record, logs). */
  dir: string;
  nics: readonly string[];
}

/**
 * The BMC's chassis control for one host, called by ipmi_sim as
 * `chassis.sh 0x20 get power`, `set power 0|1`, `set reset 1`,
 * `set shutdown 1` (and by `lab up` to boot the host). It is shell, not
 * Node, because ipmi_sim runs it synchronously on every power status query.
 *
 * - on: NICs up (carrier returns to the switch ports), then the host's init
 *   starts in fresh PID/mount/UTS namespaces and its PID and start time are
 *   recorded;
 * - off: SIGKILL to the host's init (the kernel then kills everything in its
 *   PID namespace), wait until it is gone, NICs down (the switch ports lose
 *   carrier); a host not seen gone within 5 s stays on and the command fails;
 * - diag (the BMC's diagnostic interrupt, an NMI; lab/bmc-diag-module.ts): the
 *   host crashes the way a power-off kills it (SIGKILL to its init, so every
 *   process at once) but its power stays on and its NICs keep their carrier,
 *   as a real host whose kernel panics on NMI; only a power off (the
 *   cluster's fence, or a revert) or a reset clears it;
 * - status: on exactly when the recorded process (PID and start time) lives,
 *   or the host crashed and was not powered off since.
 */
export function chassisScript(h: ChassisScriptInput): string {
  const dir = shQuote(h.dir);
  return `#!/bin/sh
# havoc lab: chassis control of ${h.hostName}; generated, do not edit.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
NS=${shQuote(h.netns)}
DIR=${dir}
NICS=${shQuote(h.nics.join(' '))}
REC="$DIR/power.pid"
CRASHED="$DIR/crashed"

log() { echo "$(date +%s.%N) $*" >> "$DIR/power.log"; }

# Prints "state starttime" of a PID, or nothing if it does not exist.
procstat() {
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=\${s##*) }
  set -- $rest
  echo "$1 \${20}"
}

# Succeeds while the recorded host init runs, or the host crashed with power on; sets PID.
powered() {
  [ -f "$REC" ] || return 1
  read -r PID START < "$REC" || return 1
  [ -f "$CRASHED" ] && return 0
  st=$(procstat "$PID") || return 1
  set -- $st
  [ "$1" != Z ] && [ "$2" = "$START" ]
}

links() {
  for nic in $NICS; do ip -n "$NS" link set "$nic" "$1"; done
}

power_on() {
  if powered; then return 0; fi
  links up
  setsid ip netns exec "$NS" unshare --pid --fork --mount-proc --mount --uts --kill-child /bin/sh "$DIR/boot.sh" </dev/null >>"$DIR/log/console.log" 2>&1 &
  pid=$!
  st=$(procstat "$pid") || { log "on: host init exited at once"; return 1; }
  set -- $st
  echo "$pid $2" > "$REC.tmp" && mv "$REC.tmp" "$REC"
  log "on pid=$pid"
}

# SIGKILL to the host's init and its launcher; succeeds once both are seen gone (5 s at most).
kill_host() {
  init=$(cat "/proc/$PID/task/$PID/children" 2>/dev/null)
  kill -KILL $init "$PID" 2>/dev/null
  # The namespace's init exits only after every process in it has died.
  i=0
  alive=1
  while [ $i -lt 250 ]; do
    alive=0
    for p in $init "$PID"; do
      st=$(procstat "$p") && case "$st" in Z*) ;; *) alive=1 ;; esac
    done
    [ $alive = 0 ] && return 0
    sleep 0.02
    i=$((i + 1))
  done
  return 1
}

power_off() {
  if powered; then
    if [ ! -f "$CRASHED" ] && ! kill_host; then
      # Not seen gone (e.g. stuck in uninterruptible sleep): the host is still on, and the BMC says so
      # (the record stays, status reads on, the command fails with completion code 0xFF).
      log "off failed pid=$PID: host processes still alive 5 s after SIGKILL"
      return 1
    fi
    log "off pid=$PID"
  fi
  rm -f "$REC" "$CRASHED"
  links down
}

# The diagnostic interrupt: the host dies at once, its power stays on (the marker keeps status on).
crash() {
  powered || { log "diag: host is off, nothing to interrupt"; return 0; }
  [ -f "$CRASHED" ] && return 0
  echo "$PID $START" > "$CRASHED"
  if ! kill_host; then
    rm -f "$CRASHED"
    log "diag failed pid=$PID: host processes still alive 5 s after SIGKILL"
    return 1
  fi
  log "diag pid=$PID: crashed, power stays on"
}

soft_off() {
  if powered; then
    init=$(cat "/proc/$PID/task/$PID/children" 2>/dev/null)
    # ACPI-style soft off: every process but init gets SIGTERM and a few seconds to exit.
    victims=""
    for p in $(ip netns pids "$NS"); do
      [ "$p" = "$PID" ] || [ "$p" = "$init" ] || victims="$victims $p"
    done
    [ -n "$victims" ] && kill -TERM $victims 2>/dev/null
    i=0
    while [ $i -lt 100 ]; do
      left=0
      for p in $victims; do
        st=$(procstat "$p") && case "$st" in Z*) ;; *) left=1 ;; esac
      done
      [ $left = 0 ] && break
      sleep 0.05
      i=$((i + 1))
    done
  fi
  power_off
}

mkdir -p "$DIR/log"
op=$2
shift 2
case "$op" in
  get)
    for parm in "$@"; do
      case "$parm" in
        power) if powered; then echo "power:1"; else echo "power:0"; fi ;;
      esac
    done
    ;;
  set)
    # A failed step exits non-zero: ipmi_sim then answers completion code 0xFF, not success.
    case "$1:$2" in
      power:1) power_on || exit 1 ;;
      power:0) power_off || exit 1 ;;
      reset:1) { power_off && power_on; } || exit 1 ;;
      shutdown:1) soft_off || exit 1 ;;
      diag:1) crash || exit 1 ;;
    esac
    ;;
esac
exit 0
`;
}
