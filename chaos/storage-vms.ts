import { deadlineSignal, pollUntil } from '../core/deadline.js';
import { errorMessage, HavocError } from '../core/errors.js';
import type { FaultContext } from './fault.js';
import { hostOf } from './fault-hosts.js';
import { onHost } from './host-network.js';
import { type BareQemu, bareQemusOn, qemuCommand } from './qemu-vm-monitor.js';

/*
 * The VMs of a storage as storage-loss sees them (virsh domstate --reason on
 * libvirt hosts; QMP query-status for the bare QEMUs of havoc's qemu-vm
 * agent), and their resume after the storage path is back.
 */

/** After the path is back, the VMs resumed by the revert must read running within this. */
const RESUME_WAIT_MS = 60_000;

/** A VM as virsh on a host reports it, or QMP for a bare QEMU of havoc's qemu-vm agent. */
export interface VmState {
  host: string;
  vm: string;
  /**
   * `virsh domstate --reason` ("running (booted)", "paused (I/O error)"), or
   * QMP's query-status in those words ("running", "paused (I/O error)" for
   * io-error, "paused (STATUS)"); "unreadable (...)" when neither answered.
   */
  state: string;
  /** Set for a VM virsh does not know: read and resumed over QMP. */
  qemu?: BareQemu;
}
export const IO_PAUSED = /^paused \(I\/O error\)$/;
const RUNNING = /^running\b/;
export const UNREADABLE = /^unreadable\b/;

const VM_STATES =
  'command -v virsh >/dev/null || { echo "no virsh"; exit 0; }; ' +
  'for d in $(virsh -q list --name); do printf "%s\\t%s\\n" "$d" "$(virsh domstate --reason "$d" 2>&1)"; done';

/**
 * What virsh on each of `hosts` says of the VMs of `storage` that run there,
 * and QMP of those running as bare QEMUs (havoc's qemu-vm agent).
 */
export async function vmStates(
  storage: string,
  hosts: readonly string[],
  ctx: FaultContext,
): Promise<VmState[]> {
  const ours = new Set(ctx.inventory.vms.filter((v) => v.storage === storage).map((v) => v.name));
  const per = await Promise.all(
    hosts.map(async (host) => {
      const h = hostOf(ctx, host);
      const [r, qemus] = await Promise.all([
        onHost(ctx, h, VM_STATES, 'virsh domstate'),
        bareQemusOn(ctx, h, ours),
      ]);
      const libvirt: VmState[] = r.stdout
        .split('\n')
        .map((l) => l.split('\t'))
        .filter(([vm, state]) => vm && state !== undefined && ours.has(vm))
        .map(([vm, state]) => {
          const said = state!.trim();
          // virsh prints its error where the state would be: that is no state.
          return { host, vm: vm!, state: /^error\b/.test(said) ? `unreadable (virsh: ${said})` : said };
        });
      const known = new Set(libvirt.map((v) => v.vm));
      const bare = await Promise.all(
        qemus
          .filter((q) => !known.has(q.vm))
          .map(async (q): Promise<VmState> => {
            // One QEMU that does not answer must not hide what the others say; it is unreadable, never "not paused".
            const state = await qemuCommand<{ status: string }>(ctx, h, q, 'query-status').then(
              (st) => wordsOfRunState(st.status),
              (err: unknown) => `unreadable (QMP query-status: ${errorMessage(err)})`,
            );
            return { host, vm: q.vm, state, qemu: q };
          }),
      );
      return [...libvirt, ...bare];
    }),
  );
  return per.flat();
}

/** QMP's run state in the words `virsh domstate --reason` uses for the same state. */
export function wordsOfRunState(status: string): string {
  if (status === 'running') return 'running';
  if (status === 'io-error') return 'paused (I/O error)';
  return `paused (${status})`;
}

/**
 * Resumes every VM of the storage that is paused on I/O error (virsh resume,
 * or QMP cont for a bare QEMU) and succeeds only once every VM it resumed
 * has been READ running afterwards, and no VM of the storage reads paused on
 * I/O error or unreadable. The first resume after the path is back usually
 * pauses again at once: QEMU's NBD client (no reconnect-delay) fails a
 * request while it is not connected, and reconnects from a background
 * thread sleeping 1 s doubling to 16 s between tries (QEMU 7.2,
 * nbd/client-connection.c). Seen on the lab: RESUME, then BLOCK_IO_ERROR
 * and STOP 2 ms later, four conts after a 3 s outage. Nothing on a libvirt
 * host resumes them otherwise. A VM resumed here whose QEMU is gone since (a cluster that
 * restarted it: Pacemaker does, at its next monitor, with havoc's qemu-vm
 * agent) must read running on some host of the storage.
 */
export async function resumeIoPaused(
  storage: string,
  affected: readonly string[],
  storageHosts: readonly string[],
  ctx: FaultContext,
): Promise<void> {
  const resumed = new Set<string>();
  let problems: string[] = [];
  await pollUntil(
    async () => {
      let seen = await vmStates(storage, affected, ctx);
      if ([...resumed].some((vm) => !seen.some((v) => v.vm === vm)))
        seen = await vmStates(storage, storageHosts, ctx);
      const standing = resumeStanding(seen, resumed, storageHosts);
      problems = standing.problems;
      for (const v of standing.paused) {
        const err = await resume(v, ctx);
        resumed.add(v.vm);
        problems.push(
          `VM ${v.vm} on ${v.host} was paused on I/O error: ${v.qemu ? 'QMP cont' : `virsh resume ${v.vm}`} ${err ? `failed: ${err}` : 'sent, not yet seen running'}`,
        );
      }
      return problems.length === 0 ? true : undefined;
    },
    deadlineSignal(RESUME_WAIT_MS, 'the VMs resuming', ctx.signal),
    { initialMs: 500, maxMs: 2_000 },
  ).catch((err: unknown) => {
    if (ctx.signal.aborted) throw err;
    throw new HavocError(
      'revert',
      `the storage path is back but not every VM of storage ${storage} was seen running: ${problems.join('; ')} (${errorMessage(err)})`,
      {
        hint: "look at the VMs (virsh domstate --reason, or QMP query-status on the qemu-vm agent's socket) and run havoc heal again",
      },
    );
  });
}

/**
 * What one look at the VMs leaves to do: the VMs paused on I/O error (to
 * resume), and what keeps the revert from succeeding besides them: a VM
 * whose state could not be read (never taken for running), a VM resumed
 * earlier that does not read running now, on any host of the storage.
 */
export function resumeStanding(
  seen: readonly VmState[],
  resumed: ReadonlySet<string>,
  storageHosts: readonly string[],
): { paused: VmState[]; problems: string[] } {
  const paused = seen.filter((v) => IO_PAUSED.test(v.state));
  const problems = seen
    .filter((v) => UNREADABLE.test(v.state))
    .map((v) => `VM ${v.vm} on ${v.host}: ${v.state}`);
  for (const vm of resumed) {
    const now = seen.filter((v) => v.vm === vm);
    // Paused or unreadable ones are accounted for above.
    if (now.some((v) => RUNNING.test(v.state) || IO_PAUSED.test(v.state) || UNREADABLE.test(v.state)))
      continue;
    problems.push(
      now.length === 0
        ? `VM ${vm}, resumed, runs on none of ${storageHosts.join(', ')} now`
        : `VM ${vm}, resumed, reads ${now.map((v) => `${v.state} on ${v.host}`).join(', ')}`,
    );
  }
  return { paused, problems };
}

/** virsh resume, or QMP cont for a bare QEMU; what went wrong, or undefined. */
async function resume(v: VmState, ctx: FaultContext): Promise<string | undefined> {
  const h = hostOf(ctx, v.host);
  try {
    if (v.qemu) {
      await qemuCommand(ctx, h, v.qemu, 'cont');
      return undefined;
    }
    const r = await onHost(ctx, h, `virsh resume ${v.vm}`, `virsh resume ${v.vm}`, { allowFailure: true });
    return r.exitCode === 0 ? undefined : r.stderr.trim() || `exit ${r.exitCode ?? r.signal}`;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return errorMessage(err);
  }
}
