import { deadlineSignal } from '../core/deadline.js';
import { HavocError } from '../core/errors.js';
import { execProgram, inNetns } from '../core/exec.js';
import { shQuote } from '../core/shell-quote.js';
import type { StorageConfig, StorageDaemon } from '../inventory/schema.js';
import type { FaultContext } from './fault.js';
import { freezableNetns } from './netns-freeze.js';

/*
 * The process that serves a storage (storage[].daemon), as storage-loss
 * -p via=stop finds, stops and continues it: one POSIX sh script per step,
 * run where the daemon lives (`ip netns exec` into a namespace of this
 * station, or the storage host over SSH), reading /proc there. A process is
 * recorded as PID plus start time (/proc/PID/stat field 22), and no signal
 * is sent to a PID whose start time differs: a reused PID is never ours.
 */

const STEP_MS = 15_000;

export interface DaemonProcess {
  pid: number;
  startTime: string;
}

/** sh: `stat_of PID` sets $state and $start from /proc/PID/stat (its comm may hold spaces and parentheses). */
const STAT_OF = `stat_of() { s=$(cat /proc/$1/stat 2>/dev/null) || return 1; s=\${s##*") "}; set -- $s; state=$1; start=\${20}; }`;

/** The script printing "proc PID START STATE" for each process of the daemon, or "error TEXT". */
export function findScript(d: StorageDaemon): string {
  const sameNetns = d.netns !== undefined;
  const program = d.program === undefined ? '' : shQuote(d.program);
  const lines = [
    STAT_OF,
    `prog_of() { a=$(tr '\\0' '\\n' 2>/dev/null < /proc/$1/cmdline | head -n 1); echo "\${a##*/}"; }`,
    // `ip netns exec` keeps this station's /proc: only processes of the namespace count.
    `ours() { ${sameNetns ? '[ "$(readlink /proc/$1/ns/net)" = "$(readlink /proc/self/ns/net)" ]' : 'true'}; }`,
  ];
  if (d.pidFile !== undefined) {
    // The inventory's names go in as quoted shell values, never into the script's text.
    lines.push(
      `pf=${shQuote(d.pidFile)}`,
      `p=$(cat "$pf" 2>&1) || { echo "error cannot read PID file $pf: $p"; exit 0; }`,
      `p=$(echo $p | cut -d ' ' -f 1); case "$p" in ''|*[!0-9]*) echo "error PID file $pf holds no PID"; exit 0;; esac`,
      `stat_of $p && ours $p || { echo "error PID $p of $pf does not run${sameNetns ? ' in this namespace' : ''}"; exit 0; }`,
      `[ -n "$(tr -d '\\0' < /proc/$p/cmdline)" ] || { echo "error PID $p of $pf is a kernel thread: a signal does not stop it"; exit 0; }`,
      program === ''
        ? ''
        : `[ "$(prog_of $p)" = ${program} ] || { echo "error PID $p of $pf runs $(prog_of $p), not "${program}; exit 0; }`,
      'echo "proc $p $start $state"',
    );
  } else {
    lines.push(
      `for d in /proc/[0-9]*; do p=\${d#/proc/}; [ "$(prog_of $p)" = ${program} ] && ours $p && stat_of $p && echo "proc $p $start $state"; done; true`,
    );
  }
  return lines.filter((l) => l !== '').join('\n');
}

/** For each process: "state PID LETTER" while it is the recorded one, else "gone PID". */
export function stateScript(procs: readonly DaemonProcess[]): string {
  return [
    STAT_OF,
    ...procs.map(
      (p) =>
        `if stat_of ${Math.trunc(p.pid)} && [ "$start" = ${shQuote(p.startTime)} ]; then echo "state ${p.pid} $state"; else echo "gone ${p.pid}"; fi`,
    ),
  ].join('\n');
}

/** Sends the signal to each process that is still the recorded one: "sent PID" or "gone PID". */
export function signalScript(procs: readonly DaemonProcess[], sig: 'STOP' | 'CONT'): string {
  // A signal takes effect when its process next runs, not when kill returns (a stop read at once could still
  // say R on a loaded machine): wait up to 2 s for each process to read stopped (T), or no longer stopped.
  const took = sig === 'STOP' ? '[ "$state" = T ]' : '[ "$state" != T ]';
  return [
    STAT_OF,
    `took() { i=0; while [ $i -lt 200 ]; do stat_of $1 || return 0; ${took} && return 0; sleep 0.01; i=$((i + 1)); done; }`,
    ...procs.map((p) => {
      const pid = Math.trunc(p.pid);
      return `if stat_of ${pid} && [ "$start" = ${shQuote(p.startTime)} ] && kill -${sig} ${pid}; then took ${pid}; echo "sent ${p.pid}"; else echo "gone ${p.pid}"; fi`;
    }),
  ].join('\n');
}

export interface DaemonLines {
  procs: Array<DaemonProcess & { state: string }>;
  states: Map<number, string>;
  sent: number[];
  gone: number[];
  errors: string[];
}

/** Parses what the scripts print. */
export function parseDaemonLines(stdout: string): DaemonLines {
  const out: DaemonLines = { procs: [], states: new Map(), sent: [], gone: [], errors: [] };
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    const proc = /^proc (\d+) (\d+) (\S+)$/.exec(t);
    const state = /^state (\d+) (\S+)$/.exec(t);
    const other = /^(sent|gone|error) (.+)$/.exec(t);
    if (proc) out.procs.push({ pid: Number(proc[1]), startTime: proc[2]!, state: proc[3]! });
    else if (state) out.states.set(Number(state[1]), state[2]!);
    else if (other?.[1] === 'error') out.errors.push(other[2]!);
    else if (other && /^\d+$/.test(other[2]!))
      (other[1] === 'sent' ? out.sent : out.gone).push(Number(other[2]));
  }
  return out;
}

/** The inventory's daemon of a storage, or a refusal saying what to declare. */
export function daemonOf(s: StorageConfig): StorageDaemon {
  if (!s.daemon)
    throw new HavocError(
      'config',
      `storage.${s.name}.daemon is not declared: storage-loss -p via=stop must know which process serves ${s.name}`,
      {
        hint: 'declare daemon: {netns: NAME} (a namespace of this station) or {ssh: {address, keyFile, ...}} (the storage host), with program: NAME (argv[0], e.g. nbd-server, qemu-storage-daemon, tgtd, ganesha.nfsd) or pidFile: PATH',
      },
    );
  return s.daemon;
}

/** Where the daemon lives, in words for the ledger and errors. */
export function daemonPlace(d: StorageDaemon): string {
  return d.netns !== undefined ? `network namespace ${d.netns}` : `${d.ssh!.address} (SSH)`;
}

/** Runs one script where the daemon lives and parses its lines. */
export async function onDaemonHost(
  s: StorageConfig,
  script: string,
  what: string,
  ctx: Pick<FaultContext, 'ssh' | 'signal'>,
): Promise<DaemonLines> {
  const d = daemonOf(s);
  const signal = deadlineSignal(STEP_MS, `${what} for storage ${s.name} in ${daemonPlace(d)}`, ctx.signal);
  if (d.netns !== undefined) {
    freezableNetns(d.netns);
    const r = await execProgram(inNetns(d.netns, ['sh', '-c', script]), { signal });
    return parseDaemonLines(r.stdout);
  }
  const ssh = d.ssh!;
  const r = await ctx.ssh.exec(
    {
      name: `storage ${s.name}`,
      address: ssh.address,
      port: ssh.port,
      user: ssh.user,
      keyFile: ssh.keyFile,
      knownHostsFile: ssh.knownHostsFile,
      hostKeyFingerprint: ssh.hostKeyFingerprint,
    },
    script,
    { signal, what: `${what} on storage ${s.name}` },
  );
  return parseDaemonLines(r.stdout);
}
