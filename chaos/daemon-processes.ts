import { shQuote } from '../core/shell-quote.js';

/*
 * Finding a daemon's processes inside a host, over SSH, by what they run:
 * argv[0]'s base name (not the 15-character comm, which cuts
 * "pacemaker-controld" short), and for a VM's QEMU its -name argument
 * (libvirt's "guest=NAME,...", or NAME as havoc's own agent passes it).
 */

/** What daemon-kill can kill, with what finds it and what restarts it. */
export const DAEMONS = {
  corosync: { program: 'corosync', unit: 'corosync', labService: 'corosync' },
  pacemakerd: { program: 'pacemakerd', unit: 'pacemaker', labService: 'pacemaker' },
  // pacemakerd respawns its subdaemons; the pacemaker service is what starts pacemakerd.
  'pacemaker-controld': {
    program: 'pacemaker-controld',
    unit: 'pacemaker',
    labService: 'pacemaker',
    parent: 'pacemakerd',
  },
  'pacemaker-fenced': {
    program: 'pacemaker-fenced',
    unit: 'pacemaker',
    labService: 'pacemaker',
    parent: 'pacemakerd',
  },
  libvirtd: { program: 'libvirtd', unit: 'libvirtd', labService: 'libvirtd' },
  xapi: { program: 'xapi', unit: 'xapi', labService: 'xapi' },
  qemu: { program: 'qemu-system-*', unit: undefined, labService: undefined },
} as const satisfies Record<
  string,
  { program: string; unit: string | undefined; labService: string | undefined; parent?: string }
>;
export type DaemonName = keyof typeof DAEMONS;
export const DAEMON_NAMES = Object.keys(DAEMONS) as [DaemonName, ...DaemonName[]];

/** What to look for: a program by name, or the QEMU of one VM. */
export type DaemonTarget = { daemon: Exclude<DaemonName, 'qemu'> } | { daemon: 'qemu'; vm: string };

/** A POSIX sh function `matches DIR` that succeeds when /proc/PID (DIR) runs the target. */
function matcher(t: DaemonTarget): string {
  if (t.daemon !== 'qemu') {
    return `matches() { a=$(tr '\\0' '\\n' 2>/dev/null < "$1/cmdline" | head -n 1) || return 1; [ "\${a##*/}" = ${shQuote(DAEMONS[t.daemon].program)} ]; }`;
  }
  const awk = `NR == 1 { n = split($0, p, "/"); ok = (p[n] ~ /^qemu-system-/) } ok && prev == "-name" && ($0 == vm || index($0, "guest=" vm ",") == 1 || $0 == "guest=" vm) { found = 1 } { prev = $0 } END { exit !found }`;
  return `matches() { tr '\\0' '\\n' 2>/dev/null < "$1/cmdline" | awk -v vm=${shQuote(t.vm)} ${shQuote(awk)}; }`;
}

/** A command printing the PIDs of the target's processes, one a line (nothing when none runs). */
export function pidsCommand(t: DaemonTarget): string {
  return `${matcher(t)}; for d in /proc/[0-9]*; do matches "$d" && echo "\${d#/proc/}"; done; true`;
}

/**
 * A command printing, for each given PID, "alive PID" when that PID still runs
 * the target (a PID reused by another program counts as gone), then
 * "now PID" for every process of the target running now.
 */
export function pidsAliveCommand(t: DaemonTarget, pids: readonly number[]): string {
  const list = pids.map((p) => String(Math.trunc(p))).join(' ');
  return `${matcher(t)}; for p in ${list}; do [ -d /proc/$p ] && matches /proc/$p && echo "alive $p"; done; for d in /proc/[0-9]*; do matches "$d" && echo "now \${d#/proc/}"; done; true`;
}

export function parsePids(stdout: string): number[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

export function parseAlive(stdout: string): { alive: number[]; now: number[] } {
  const alive: number[] = [];
  const now: number[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(alive|now) (\d+)$/.exec(line.trim());
    if (m) (m[1] === 'alive' ? alive : now).push(Number(m[2]));
  }
  return { alive, now };
}

export function describeTarget(t: DaemonTarget): string {
  return t.daemon === 'qemu' ? `the QEMU of ${t.vm}` : t.daemon;
}
