import { deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { labCrmMonRunner } from '../../lab/ha/cluster-status.js';
import { runInHost } from '../../lab/ha/host-command.js';
import type { LabState } from '../../lab/state.js';
import { type ProbeSample, probeOnce } from '../../lab/vm/guestProbe.js';
import { type CrmMonStatus, readCrmMon } from '../../protocols/pacemaker/index.js';

/*
 * What the HA lab tests use to watch the cluster and the VMs: crm_mon and
 * the other Pacemaker tools run inside a live host, and an HTTP prober from
 * the management station that keeps every answer on the monotonic clock.
 */

export async function crmIn(
  state: Readonly<LabState>,
  host: string,
  argv: readonly string[],
  timeoutMs = 20_000,
): Promise<string> {
  const { stdout } = await runInHost(
    host,
    state.hosts[host]!,
    argv,
    deadlineSignal(timeoutMs, `${argv[0]} on ${host}`),
  );
  return stdout;
}

export async function crmMon(state: Readonly<LabState>, host: string): Promise<CrmMonStatus> {
  const { status } = await readCrmMon([host], labCrmMonRunner(state), {
    signal: deadlineSignal(10_000, 'crm_mon'),
  });
  return status;
}

/** Polls crm_mon on `host` until `check` returns something; the last status seen goes into the timeout error. */
export async function waitForCluster<T>(
  state: Readonly<LabState>,
  host: string,
  what: string,
  timeoutMs: number,
  check: (st: CrmMonStatus) => T | undefined,
): Promise<T> {
  let last = '';
  try {
    return await pollUntil(
      async () => {
        const st = await crmMon(state, host).catch(() => undefined);
        if (!st) return undefined;
        last = JSON.stringify({
          nodes: st.nodes.map(
            (n) => `${n.name}:${n.online ? 'online' : 'offline'}${n.unclean ? ':unclean' : ''}`,
          ),
          resources: st.resources.map((r) => `${r.id}:${r.role}@${r.nodes.join('+')}`),
          failures: st.failures.map((f) => `${f.opKey}@${f.node}:${f.exitStatus} ${f.exitReason ?? ''}`),
        });
        return check(st);
      },
      deadlineSignal(timeoutMs, what),
      { initialMs: 100, maxMs: 500 },
    );
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}; last crm_mon: ${last}`);
  }
}

export function hostOf(st: CrmMonStatus, resource: string): string | undefined {
  const r = st.resources.find((x) => x.id === resource);
  return r?.active && r.role === 'Started' && r.nodes.length === 1 ? r.nodes[0] : undefined;
}

/** Probes a VM's HTTP service every `everyMs` from the management station until stopped. */
export function startProber(url: string, everyMs = 20, timeoutMs = 500) {
  const samples: ProbeSample[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const started = monotonicMs();
      samples.push(await probeOnce(url, timeoutMs));
      const wait = everyMs - (monotonicMs() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    samples,
    async stop(): Promise<ProbeSample[]> {
      running = false;
      await done;
      return samples;
    },
  };
}

/** Sets the cluster property stonith-enabled (the controls that turn fencing off, and put it back). */
export function setStonithEnabled(state: Readonly<LabState>, value: boolean): Promise<string> {
  return crmIn(state, 'host1', [
    'crm_attribute',
    '--type',
    'crm_config',
    '--name',
    'stonith-enabled',
    '--update',
    String(value),
  ]);
}
