import type { CibConfiguration } from '../../protocols/pacemaker/cib.js';

/** A node's fencing levels as Pacemaker will try them: topology levels by index, else one level of every device for it. */
export interface PacemakerLevels {
  /** Level n (1-based) is levels[n - 1]: the stonith device ids Pacemaker uses together at that level. */
  levels: string[][];
  /** How they were found, for the line's evidence. */
  source: string;
}

function hostList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,;]+/).filter(Boolean);
}

/**
 * What Pacemaker's configuration makes of fencing `node`: its
 * <fencing-topology> levels (Pacemaker Explained, "Fencing Topology"); with
 * none for it, every stonith device whose pcmk_host_list names it (or with no
 * list, which may fence any node) is one level. Pure: read off the CIB.
 */
export function pacemakerLevelsOf(cib: CibConfiguration, node: string): PacemakerLevels {
  const topology = cib.fencingLevels.filter((l) => l.target === node).sort((a, b) => a.index - b.index);
  if (topology.length) {
    return {
      levels: topology.map((l) => l.devices),
      source: `fencing-topology: ${topology.map((l) => `level ${l.index} ${l.devices.join('+')}`).join(', ')}`,
    };
  }
  const devices = cib.primitives
    .filter((p) => p.class === 'stonith')
    .filter((p) => {
      // pcmk_host_map "node1:1;node2:2,3" names nodes too.
      const mapped = hostList(p.params.pcmk_host_map?.replaceAll(',', ' ')).flatMap((e) =>
        e.includes(':') ? [e.slice(0, e.indexOf(':'))] : [],
      );
      const list = [...hostList(p.params.pcmk_host_list), ...mapped];
      return list.length === 0 ? p.params.pcmk_host_check !== 'static-list' : list.includes(node);
    })
    .map((p) => p.id);
  return {
    levels: devices.length ? [devices] : [],
    source: devices.length
      ? `no fencing-topology for ${node}: the stonith device(s) that can fence it, ${devices.join(', ')}, are its one level`
      : `no fencing-topology for ${node} and no stonith device whose pcmk_host_list names it`,
  };
}
