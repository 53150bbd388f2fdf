import { monotonicMs } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';
import { singleIndex } from './oid.js';
import { IF_NUMBER, IF_TABLE_LAST_CHANGE, ifTable, ifXTable, SYS_UPTIME } from './oids.js';
import type { SnmpSession } from './session.js';
import { asNumber, asText, isException } from './varbind-values.js';

/** The names a port is known by; a fence or a collector finds it by any of them. */
export interface PortNames {
  ifIndex: number;
  name: string;
  descr: string;
  alias: string;
}

/**
 * What tells us the agent's ifIndex numbering may have changed: a restart
 * (sysUpTime went back; Cisco renumbers on reload unless told not to), a row
 * added or removed (ifTableLastChange, ifNumber).
 */
export interface AgentStamp {
  sysUpTime: number;
  ifTableLastChange: number | undefined;
  ifNumber: number | undefined;
}

export async function readAgentStamp(session: SnmpSession, signal: AbortSignal): Promise<AgentStamp> {
  const [up, lastChange, count] = await session.get([SYS_UPTIME, IF_TABLE_LAST_CHANGE, IF_NUMBER], signal);
  const sysUpTime = up && !isException(up) ? asNumber(up) : undefined;
  if (sysUpTime === undefined) {
    throw new HavocError('snmp', `${session.description}: the agent has no sysUpTime.0`, {
      target: session.description,
      hint: 'this is not an IF-MIB capable agent, or its view hides the system group',
    });
  }
  return {
    sysUpTime,
    ifTableLastChange: lastChange && !isException(lastChange) ? asNumber(lastChange) : undefined,
    ifNumber: count && !isException(count) ? asNumber(count) : undefined,
  };
}

/**
 * The ifName/ifDescr/ifAlias of every port, kept between scrapes or fence
 * calls by whoever owns this object (one per agent). It is dropped when the
 * agent's stamp says the numbering may have changed, when a lookup misses,
 * when the caller sees another set of ifIndexes, or after maxAgeMs (aliases
 * are edited by people and change nothing else).
 */
export class PortLookupCache {
  readonly #maxAgeMs: number;
  #ports: Map<number, PortNames> | undefined;
  #stamp: AgentStamp | undefined;
  #loadedAt = 0;
  #loads = 0;

  constructor(options: { maxAgeMs?: number } = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 300_000;
  }

  /** How many times the names were walked: tests and self-metrics use it. */
  get loads(): number {
    return this.#loads;
  }

  /** The cached ports if still good for this stamp, else undefined (and forgotten). */
  lookup(stamp: AgentStamp, now = monotonicMs()): Map<number, PortNames> | undefined {
    const old = this.#stamp;
    if (!this.#ports || !old) return undefined;
    const stale =
      stamp.sysUpTime < old.sysUpTime ||
      stamp.ifTableLastChange !== old.ifTableLastChange ||
      stamp.ifNumber !== old.ifNumber ||
      now - this.#loadedAt > this.#maxAgeMs;
    if (stale) {
      this.invalidate();
      return undefined;
    }
    // Later stamps only move forward; keep the newest to catch a restart next time.
    this.#stamp = stamp;
    return this.#ports;
  }

  store(ports: Map<number, PortNames>, stamp: AgentStamp, now = monotonicMs()): void {
    this.#ports = ports;
    this.#stamp = stamp;
    this.#loadedAt = now;
    this.#loads++;
  }

  invalidate(): void {
    this.#ports = undefined;
    this.#stamp = undefined;
  }
}

export const PORT_NAME_COLUMNS = [ifXTable.ifName, ifTable.ifDescr, ifXTable.ifAlias] as const;

/** Builds the ifIndex -> names map from a walk of PORT_NAME_COLUMNS. */
export function portNamesFromColumns(
  columns: Map<string, Map<string, { oid: string; type: number; value: unknown }>>,
): Map<number, PortNames> {
  const ports = new Map<number, PortNames>();
  const text = (column: string, suffix: string) => {
    const vb = columns.get(column)?.get(suffix);
    return vb ? (asText(vb) ?? '') : '';
  };
  const suffixes = new Set<string>();
  for (const column of PORT_NAME_COLUMNS)
    for (const suffix of columns.get(column)?.keys() ?? []) suffixes.add(suffix);
  for (const suffix of suffixes) {
    const ifIndex = singleIndex(suffix);
    if (ifIndex === undefined) continue;
    ports.set(ifIndex, {
      ifIndex,
      name: text(ifXTable.ifName, suffix),
      descr: text(ifTable.ifDescr, suffix),
      alias: text(ifXTable.ifAlias, suffix),
    });
  }
  return ports;
}

/** The port names, from the cache when the agent's stamp allows it, else walked (and cached). */
export async function loadPortNames(
  session: SnmpSession,
  cache: PortLookupCache,
  stamp: AgentStamp,
  signal: AbortSignal,
): Promise<{ ports: Map<number, PortNames>; cached: boolean }> {
  const hit = cache.lookup(stamp);
  if (hit) return { ports: hit, cached: true };
  const ports = portNamesFromColumns(await session.walkColumns(PORT_NAME_COLUMNS, signal));
  cache.store(ports, stamp);
  return { ports, cached: false };
}

/**
 * Finds each wanted port by ifName, else ifDescr, else ifAlias (exact match,
 * in that order of precedence). A name that matches two ports in the same
 * field is an error: fencing the wrong port is worse than fencing none.
 */
export function matchPorts(
  ports: Map<number, PortNames>,
  wanted: readonly string[],
  where: string,
): { found: Map<string, PortNames>; missing: string[] } {
  const found = new Map<string, PortNames>();
  const missing: string[] = [];
  for (const want of wanted) {
    let match: PortNames | undefined;
    for (const field of ['name', 'descr', 'alias'] as const) {
      const hits = [...ports.values()].filter((p) => p[field] === want);
      if (hits.length > 1) {
        throw new HavocError(
          'snmp-port',
          `${where}: port "${want}" is ambiguous: ${hits.length} ports have if${field === 'name' ? 'Name' : field === 'descr' ? 'Descr' : 'Alias'} "${want}" (ifIndex ${hits.map((p) => p.ifIndex).join(', ')})`,
          { target: where, hint: 'name the port by its ifName, which is unique on a sane switch' },
        );
      }
      if (hits[0]) {
        match = hits[0];
        break;
      }
    }
    if (match) found.set(want, match);
    else missing.push(want);
  }
  return { found, missing };
}

/**
 * Resolves port names to ifIndexes. A miss against cached names re-walks
 * once (the port may be new, or renamed); a miss after a fresh walk is an
 * error that lists what the agent does have.
 */
export async function resolvePorts(
  session: SnmpSession,
  cache: PortLookupCache,
  wanted: readonly string[],
  signal: AbortSignal,
): Promise<Map<string, PortNames>> {
  const stamp = await readAgentStamp(session, signal);
  let { ports, cached } = await loadPortNames(session, cache, stamp, signal);
  let result = matchPorts(ports, wanted, session.description);
  if (result.missing.length > 0 && cached) {
    cache.invalidate();
    ({ ports, cached } = await loadPortNames(session, cache, stamp, signal));
    result = matchPorts(ports, wanted, session.description);
  }
  if (result.missing.length > 0) {
    const known = [...ports.values()].map((p) => p.name || p.descr).filter((n) => n.length > 0);
    const shown = known.slice(0, 12).join(', ') + (known.length > 12 ? `, ... (${known.length} in all)` : '');
    throw new HavocError(
      'snmp-port',
      `${session.description}: no port has ifName, ifDescr or ifAlias ${result.missing.map((m) => `"${m}"`).join(', ')}`,
      { target: session.description, hint: `the agent has: ${shown || 'no ports at all'}` },
    );
  }
  return result.found;
}
