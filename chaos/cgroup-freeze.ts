import { HavocError } from '../core/errors.js';
import { shCommand, shQuote } from '../core/shell-quote.js';

/*
 * The shell host-hang sends over SSH to freeze cgroups of a real host, and
 * reads back. Once sshd and the cluster stack are frozen nobody can log in to
 * thaw them, so the freeze is done by a detached dead man's switch that first
 * moves itself into a cgroup of its own beside the frozen ones (at the root of
 * each hierarchy: never inside a declared one, and findable by a heal), then
 * waits until the SSH command that started it has returned, freezes, and
 * thaws by itself once the fault's maximum duration has passed, whoever else
 * is gone (the run killed, its guardian too). Every script is POSIX sh with
 * every path quoted, so a cgroup name with spaces or quotes is one word.
 */

/** How long the switch waits after the SSH command returned before freezing, so sshd flushes the exit status first. */
export const SETTLE_SECONDS = 2;
/** How long the command that starts the switch waits to see it moved out of the cgroups it freezes. */
const MOVE_TRIES = 100;

export type CgroupKind = 'v2' | 'v1';

/** One declared cgroup as the host showed it. */
export interface CgroupSeen {
  path: string;
  kind: CgroupKind;
  frozen: boolean;
  /** The root of its hierarchy (the first ancestor that cannot be frozen), where the switch's own cgroup goes. */
  root: string;
}

/** A switch's own cgroup found on the host, with the processes still in it (a switch alive). */
export interface OwnCgroupSeen {
  path: string;
  pids: number[];
}

export interface CgroupProbe {
  cgroups: CgroupSeen[];
  /** Declared paths the host does not have, or that cannot be frozen (no cgroup.freeze, no freezer.state). */
  missing: string[];
  own: OwnCgroupSeen[];
}

/** The switch's own cgroup's name: per cluster and host, so a heal finds it without the run that made it. */
export function ownCgroupName(cluster: string, host: string): string {
  return `havoc-hang.${cluster}.${host}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * Prints, per declared path, `cgroup KIND STATE ROOT PATH` or `missing PATH`,
 * then `own PATH PIDS...` for the switch's own cgroup under every root seen.
 * Tab-separated; reads only.
 */
export function probeCommand(paths: readonly string[], ownName: string): string {
  const script = `
own=$1; shift
roots=""
for p in "$@"; do
  if [ -f "$p/cgroup.freeze" ]; then
    kind=v2
    if grep -qx 'frozen 1' "$p/cgroup.events"; then state=frozen; else state=thawed; fi
  elif [ -f "$p/freezer.state" ]; then
    kind=v1
    if [ "$(cat "$p/freezer.state")" = THAWED ]; then state=thawed; else state=frozen; fi
  else
    printf 'missing\\t%s\\n' "$p"
    continue
  fi
  r=$(cd "$p" && pwd -P) || { printf 'missing\\t%s\\n' "$p"; continue; }
  while u=\${r%/*}; [ -f "$u/cgroup.freeze" ] || [ -f "$u/freezer.state" ]; do r=$u; done
  root=\${r%/*}
  printf 'cgroup\\t%s\\t%s\\t%s\\t%s\\n' "$kind" "$state" "$root" "$p"
  case "
$roots
" in *"
$root
"*) ;; *)
    roots="$roots
$root"
    if [ -d "$root/$own" ]; then printf 'own\\t%s\\t%s\\n' "$root/$own" "$(tr '\\n' ' ' < "$root/$own/cgroup.procs")"; fi
  ;; esac
done
`;
  return shCommand(['sh', '-c', script, 'havoc-hang-probe', ownName, ...paths]);
}

/** Reads what probeCommand printed; a line it does not know is a bug on one side or the other. */
export function parseProbe(stdout: string): CgroupProbe {
  const out: CgroupProbe = { cgroups: [], missing: [], own: [] };
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    if (f[0] === 'missing' && f.length === 2) out.missing.push(f[1]!);
    else if (f[0] === 'cgroup' && f.length === 5 && (f[1] === 'v2' || f[1] === 'v1'))
      out.cgroups.push({ kind: f[1], frozen: f[2] === 'frozen', root: f[3]!, path: f[4]! });
    else if (f[0] === 'own' && f.length === 3)
      out.own.push({
        path: f[1]!,
        pids: f[2]!
          .split(' ')
          .map(Number)
          .filter((n) => n > 0),
      });
    else throw new HavocError('bug', `unexpected line from the cgroup probe: ${JSON.stringify(line)}`);
  }
  return out;
}

/** The switch's own cgroup under each hierarchy root of the cgroups it freezes, once per root. */
export function ownCgroups(cgroups: readonly CgroupSeen[], ownName: string): string[] {
  return [...new Set(cgroups.map((c) => `${c.root}/${ownName}`))];
}

/**
 * The switch itself, run as `sh -c SWITCH NAME FGPID SETTLE HOLD ARGS...`
 * where ARGS are `move=OWN`, `v2=PATH` and `v1=PATH`. Its first act is
 * moving itself (builtins only: nothing forked before it is out) into every
 * OWN; then it waits for the starting shell to exit, freezes, holds, thaws,
 * and removes its own cgroups.
 */
const SWITCH = `
fg=$1; settle=$2; hold=$3; shift 3
for a in "$@"; do case $a in move=*) echo $$ > "\${a#move=}/cgroup.procs" || exit 1 ;; esac; done
while kill -0 "$fg" 2>/dev/null; do sleep 0.1; done
sleep "$settle"
for a in "$@"; do case $a in
  v2=*) echo 1 > "\${a#v2=}/cgroup.freeze" ;;
  v1=*) echo FROZEN > "\${a#v1=}/freezer.state" ;;
esac; done
sleep "$hold"
for a in "$@"; do case $a in
  v2=*) echo 0 > "\${a#v2=}/cgroup.freeze" ;;
  v1=*) echo THAWED > "\${a#v1=}/freezer.state" ;;
esac; done
for a in "$@"; do case $a in move=*)
  d=\${a#move=}
  echo $$ > "\${d%/*}/cgroup.procs" && rmdir "$d"
;; esac; done
`;

/**
 * Starts the switch detached and returns once it is seen in its own cgroups
 * (printing `switch PID`), well before it freezes anything: the SSH session
 * running this is itself in a cgroup about to be frozen.
 */
export function freezeCommand(
  cgroups: readonly CgroupSeen[],
  ownName: string,
  holdSeconds: number,
  settleSeconds = SETTLE_SECONDS,
): string {
  if (cgroups.length === 0) throw new HavocError('bug', 'freezeCommand without a cgroup to freeze');
  const own = ownCgroups(cgroups, ownName);
  const args = [...own.map((o) => `move=${o}`), ...cgroups.map((c) => `${c.kind}=${c.path}`)];
  const procs = own.map((o) => shQuote(`${o}/cgroup.procs`)).join(' ');
  const script = `
mkdir -p ${own.map(shQuote).join(' ')} || exit 1
nohup sh -c ${shQuote(SWITCH)} havoc-hang-switch "$$" ${settleSeconds} ${Math.ceil(holdSeconds)} ${args
    .map(shQuote)
    .join(' ')} </dev/null >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt ${MOVE_TRIES} ]; do
  ok=1
  for f in ${procs}; do grep -qx "$pid" "$f" || ok=0; done
  if [ $ok = 1 ]; then echo "switch $pid"; exit 0; fi
  sleep 0.05
  i=$((i + 1))
done
kill -KILL "$pid"
echo "the dead man's switch (pid $pid) was not seen in its own cgroups ${own.join(', ')}" >&2
exit 1
`;
  return shCommand(['sh', '-c', script, 'havoc-hang']);
}

/**
 * Undoes it, whatever happened: SIGKILL to any switch still in its own
 * cgroup (it must not freeze anything later), every declared cgroup thawed,
 * the own cgroups removed once empty. Idempotent.
 */
export function thawCommand(probe: CgroupProbe): string {
  const script = `
for o in ${probe.own.map((o) => shQuote(o.path)).join(' ')}; do
  # A PID outside this shell's PID namespace reads 0 here, and kill 0 would hit this shell's own group.
  [ -d "$o" ] && for p in $(cat "$o/cgroup.procs"); do [ "$p" -gt 0 ] && kill -KILL "$p" 2>/dev/null; done
done
${probe.cgroups
  .map((c) =>
    c.kind === 'v2'
      ? `echo 0 > ${shQuote(`${c.path}/cgroup.freeze`)} || exit 1`
      : `echo THAWED > ${shQuote(`${c.path}/freezer.state`)} || exit 1`,
  )
  .join('\n')}
for o in ${probe.own.map((o) => shQuote(o.path)).join(' ')}; do
  i=0
  while [ -d "$o" ] && ! rmdir "$o" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "cannot remove $o: processes left in it" >&2; exit 1; }
    sleep 0.05
  done
done
`;
  return shCommand(['sh', '-c', script, 'havoc-hang-thaw']);
}
