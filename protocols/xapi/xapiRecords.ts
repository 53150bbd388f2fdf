import { AuthError, HavocError } from '../../core/errors.js';

/** A failure XAPI reported: its error code (e.g. SESSION_INVALID) and parameters. */
export class XapiError extends HavocError {
  readonly xapiCode: string;
  readonly params: string[];
  constructor(method: string, xapiCode: string, params: string[], target?: string) {
    super('xapi-error', `XAPI ${method} failed: ${xapiCode}${params.length ? ` ${params.join(' ')}` : ''}`, {
      ...(target === undefined ? {} : { target }),
    });
    this.name = 'XapiError';
    this.xapiCode = xapiCode;
    this.params = params;
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a JSON-RPC 2.0 (or 1.0) response body from XAPI's /jsonrpc endpoint
 * (xen-api doc/content/xen-api/wire-protocol.md) and returns `result`, or
 * throws the XAPI failure. Credentials never reach the message: only the
 * method name and XAPI's own error code and parameters do.
 */
export function parseJsonRpcResponse(body: string, method: string, target?: string): unknown {
  let msg: unknown;
  try {
    msg = JSON.parse(body);
  } catch {
    const excerpt = body.slice(0, 120).replace(/\s+/g, ' ');
    throw new HavocError(
      'xapi-protocol',
      `XAPI ${method}: response is not JSON: ${JSON.stringify(excerpt)}`,
      {
        ...(target === undefined ? {} : { target }),
        hint: 'check that the URL points at the pool master and ends in /jsonrpc',
      },
    );
  }
  if (!isObject(msg)) throw new HavocError('xapi-protocol', `XAPI ${method}: expected a JSON-RPC object`);
  const error = msg['error'];
  if (error !== undefined && error !== null) {
    // v2.0: {code, message, data[]}; v1.0: ["CODE", params...]
    let code: string;
    let params: string[];
    if (isObject(error) && typeof error['message'] === 'string') {
      code = error['message'];
      params = Array.isArray(error['data']) ? error['data'].map(String) : [];
    } else if (Array.isArray(error) && typeof error[0] === 'string') {
      code = error[0];
      params = error.slice(1).map(String);
    } else {
      throw new HavocError(
        'xapi-protocol',
        `XAPI ${method}: malformed error member ${JSON.stringify(error)}`,
      );
    }
    if (code === 'SESSION_AUTHENTICATION_FAILED') {
      throw new AuthError(`XAPI login failed for user ${params[0] ?? '(unknown)'}`, {
        ...(target === undefined ? {} : { target }),
        hint: 'check the XAPI username and password file',
      });
    }
    throw new XapiError(method, code, params, target);
  }
  if (!('result' in msg))
    throw new HavocError('xapi-protocol', `XAPI ${method}: response has neither result nor error`);
  return msg['result'];
}

function field(where: string, rec: Record<string, Json>, name: string): Json {
  if (!(name in rec)) throw new HavocError('xapi-protocol', `XAPI ${where}: record has no field "${name}"`);
  return rec[name] as Json;
}

function boolField(where: string, rec: Record<string, Json>, name: string): boolean {
  const v = field(where, rec, name);
  if (typeof v !== 'boolean')
    throw new HavocError(
      'xapi-protocol',
      `XAPI ${where}.${name}: expected a boolean, got ${JSON.stringify(v)}`,
    );
  return v;
}

// XAPI int fields arrive as JSON numbers over JSON-RPC but as decimal strings over XML-RPC bridges.
function intField(where: string, rec: Record<string, Json>, name: string): number {
  const v = field(where, rec, name);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw new HavocError(
    'xapi-protocol',
    `XAPI ${where}.${name}: expected an integer, got ${JSON.stringify(v)}`,
  );
}

function stringField(where: string, rec: Record<string, Json>, name: string): string {
  const v = field(where, rec, name);
  if (typeof v !== 'string')
    throw new HavocError(
      'xapi-protocol',
      `XAPI ${where}.${name}: expected a string, got ${JSON.stringify(v)}`,
    );
  return v;
}

function recordMap(where: string, result: unknown): Map<string, Record<string, Json>> {
  if (!isObject(result))
    throw new HavocError('xapi-protocol', `XAPI ${where}: expected a map of ref -> record`);
  const out = new Map<string, Record<string, Json>>();
  for (const [ref, rec] of Object.entries(result)) {
    if (!isObject(rec))
      throw new HavocError('xapi-protocol', `XAPI ${where}: record ${ref} is not an object`);
    out.set(ref, rec);
  }
  return out;
}

export interface PoolHa {
  poolRef: string;
  uuid: string;
  nameLabel: string;
  masterRef: string;
  haEnabled: boolean;
  /** Configured number of host failures the pool must survive. */
  hostFailuresToTolerate: number;
  /** Host failures XAPI currently has a restart plan for; below the tolerance means HA is degraded. */
  planExistsFor: number;
  overcommitted: boolean;
  allowOvercommit: boolean;
}

export function parsePoolRecords(result: unknown): PoolHa {
  const pools = recordMap('pool.get_all_records', result);
  if (pools.size !== 1) {
    throw new HavocError(
      'xapi-protocol',
      `XAPI pool.get_all_records: expected exactly one pool, got ${pools.size}`,
    );
  }
  const [[poolRef, rec]] = [...pools] as [[string, Record<string, Json>]];
  const w = `pool ${poolRef}`;
  return {
    poolRef,
    uuid: stringField(w, rec, 'uuid'),
    nameLabel: stringField(w, rec, 'name_label'),
    masterRef: stringField(w, rec, 'master'),
    haEnabled: boolField(w, rec, 'ha_enabled'),
    hostFailuresToTolerate: intField(w, rec, 'ha_host_failures_to_tolerate'),
    planExistsFor: intField(w, rec, 'ha_plan_exists_for'),
    overcommitted: boolField(w, rec, 'ha_overcommitted'),
    allowOvercommit: boolField(w, rec, 'ha_allow_overcommit'),
  };
}

export interface HostLiveness {
  hostRef: string;
  uuid: string;
  nameLabel: string;
  address: string;
  enabled: boolean;
  /** host_metrics.live; undefined when the host has no metrics object (OpaqueRef:NULL). */
  live: boolean | undefined;
  isMaster: boolean;
}

export function parseHostRecords(
  hostsResult: unknown,
  metricsResult: unknown,
  masterRef: string,
): HostLiveness[] {
  const hosts = recordMap('host.get_all_records', hostsResult);
  const metrics = recordMap('host_metrics.get_all_records', metricsResult);
  return [...hosts].map(([hostRef, rec]) => {
    const w = `host ${hostRef}`;
    const metricsRef = stringField(w, rec, 'metrics');
    const m = metrics.get(metricsRef);
    return {
      hostRef,
      uuid: stringField(w, rec, 'uuid'),
      nameLabel: stringField(w, rec, 'name_label'),
      address: stringField(w, rec, 'address'),
      enabled: boolField(w, rec, 'enabled'),
      live: m ? boolField(`host_metrics ${metricsRef}`, m, 'live') : undefined,
      isMaster: hostRef === masterRef,
    };
  });
}

/** A VM as the planned actions need it (datamodel class VM: name_label, power_state, resident_on). */
export interface XapiVm {
  ref: string;
  uuid: string;
  nameLabel: string;
  /** Halted, Paused, Running or Suspended. */
  powerState: string;
  /** The host ref it runs on; OpaqueRef:NULL when it runs nowhere. */
  residentOn: string;
}

export const XAPI_NULL_REF = 'OpaqueRef:NULL';

/** Guest VMs of VM.get_all_records: templates, snapshots and control domains (dom0) left out. */
function guestRecords(result: unknown): [string, Record<string, Json>][] {
  return [...recordMap('VM.get_all_records', result)].filter(
    ([, rec]) =>
      rec['is_a_template'] !== true && rec['is_control_domain'] !== true && rec['is_a_snapshot'] !== true,
  );
}

export function parseVmRecords(result: unknown): XapiVm[] {
  return guestRecords(result).map(([ref, rec]) => {
    const w = `VM ${ref}`;
    return {
      ref,
      uuid: stringField(w, rec, 'uuid'),
      nameLabel: stringField(w, rec, 'name_label'),
      powerState: stringField(w, rec, 'power_state'),
      residentOn: stringField(w, rec, 'resident_on'),
    };
  });
}

/** host ref -> name_label and enabled, from host.get_all_records. */
export function parseHostNames(result: unknown): { ref: string; nameLabel: string; enabled: boolean }[] {
  return [...recordMap('host.get_all_records', result)].map(([ref, rec]) => ({
    ref,
    nameLabel: stringField(`host ${ref}`, rec, 'name_label'),
    enabled: boolField(`host ${ref}`, rec, 'enabled'),
  }));
}

/** The SRs holding the pool's HA statefiles (the heartbeat SR) and the hosts each is plugged on. */
export interface StatefileSr {
  srRef: string;
  nameLabel: string;
  /** Host names whose PBD for this SR is currently_attached. */
  pluggedOn: string[];
  /** Host names with a PBD for this SR that is not attached. */
  unpluggedOn: string[];
}

function stringList(where: string, rec: Record<string, Json>, name: string): string[] {
  const v = field(where, rec, name);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new HavocError(
      'xapi-protocol',
      `XAPI ${where}.${name}: expected a list of refs, got ${JSON.stringify(v)}`,
    );
  return v as string[];
}

/** pool.ha_statefiles: the statefile VDIs HA uses (empty while HA is off). */
export function parsePoolStatefiles(result: unknown): string[] {
  const [[ref, rec]] = [...recordMap('pool.get_all_records', result)] as [[string, Record<string, Json>]];
  return stringList(`pool ${ref}`, rec, 'ha_statefiles');
}

/**
 * The statefile SRs with the hosts they are plugged on, from VDI.SR of each
 * statefile VDI, SR.name_label and PBD {host, SR, currently_attached}
 * (datamodel classes VDI, SR, PBD).
 */
export function parseStatefileSrs(
  vdis: readonly { ref: string; record: unknown }[],
  srs: unknown,
  pbds: unknown,
  hostNames: ReadonlyMap<string, string>,
): StatefileSr[] {
  const srRecords = recordMap('SR.get_all_records', srs);
  const pbdRecords = [...recordMap('PBD.get_all_records', pbds)];
  const srRefs = [
    ...new Set(
      vdis.map(({ ref, record }) => {
        if (!isObject(record))
          throw new HavocError('xapi-protocol', `XAPI VDI.get_record ${ref}: not a record`);
        return stringField(`VDI ${ref}`, record, 'SR');
      }),
    ),
  ];
  return srRefs.map((srRef) => {
    const sr = srRecords.get(srRef);
    const plugged: string[] = [];
    const unplugged: string[] = [];
    for (const [pbdRef, pbd] of pbdRecords) {
      if (stringField(`PBD ${pbdRef}`, pbd, 'SR') !== srRef) continue;
      const host = stringField(`PBD ${pbdRef}`, pbd, 'host');
      const name = hostNames.get(host) ?? host;
      (boolField(`PBD ${pbdRef}`, pbd, 'currently_attached') ? plugged : unplugged).push(name);
    }
    return {
      srRef,
      nameLabel: sr ? stringField(`SR ${srRef}`, sr, 'name_label') : srRef,
      pluggedOn: plugged,
      unpluggedOn: unplugged,
    };
  });
}

/** Each guest's memory_static_max (bytes): the most the VM can be given, what a host must hold for it. */
export function parseVmMemory(result: unknown): { nameLabel: string; memoryStaticMaxBytes: number }[] {
  return guestRecords(result).map(([ref, rec]) => ({
    nameLabel: stringField(`VM ${ref}`, rec, 'name_label'),
    memoryStaticMaxBytes: intField(`VM ${ref}`, rec, 'memory_static_max'),
  }));
}
