import type { EveryHostCheck } from '../check.js';

/** Pacemaker versions whose controller can lose the exit of an agent's asynchronous metadata run. */
const AFFECTED = { from: [2, 1, 5], fixed: [2, 1, 10] } as const;

/** The upstream version of a package version string: "2.1.5-1+deb12u1", "2.1.5+20221208.a3f44794f-150500.6.5.8". */
function upstreamVersion(version: string): number[] | undefined {
  const m = /^(?:\d+:)?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

const below = (a: readonly number[], b: readonly number[]) => {
  for (let i = 0; i < b.length; i++) if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) < b[i]!;
  return false;
};

export const pacemakerLostMetadataExit: EveryHostCheck = {
  kind: 'every-host',
  id: 'pacemaker.lost-metadata-exit',
  title:
    "Pacemaker is not 2.1.5 to 2.1.9, which can lose the exit of an agent's metadata run and never start the resource",
  severity: 'warning',
  why: "from 2.1.5 the controller reads an agent's metadata asynchronously before every start; when that run ends while the controller runs another agent synchronously, its exit is lost and the start never begins: the resource or fence device waits for its timeout plus cluster-delay (80 s by default) after a node joins, then fails and is banned until failure-timeout (ClusterLabs/pacemaker ea77f7818f, fixed in 2.1.10; seen in havoc's lab on Debian 12's 2.1.5-1+deb12u1, where it left a fence device Stopped)",
  remediation:
    "upgrade Pacemaker to 2.1.10 or later, or a distribution build that carries ea77f7818f; until then keep every agent's metadata fast (havoc's fence_havoc wrapper answers it from the shell) and give stonith devices a failure-timeout",
  facts: ['packages'],
  judge(f) {
    const installed = f.packages.pacemaker ?? '';
    const version = upstreamVersion(installed);
    if (!version)
      return {
        ok: true,
        detail: installed ? `pacemaker ${installed}: version not read` : 'no pacemaker package',
      };
    const affected = !below(version, AFFECTED.from) && below(version, AFFECTED.fixed);
    return { ok: !affected, detail: `pacemaker ${installed}${affected ? ' (2.1.5 to 2.1.9)' : ''}` };
  },
};
