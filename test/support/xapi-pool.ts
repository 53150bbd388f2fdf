import { XAPI_SESSION, type XapiCall } from './xapi-server.js';

/*
 * A XenServer pool's state behind the XAPI test server (no XAPI runs here),
 * for the planned actions. The calls, their parameters and their errors are
 * those of XAPI's published API (xapi-project/xen-api, ocaml/idl/datamodel*.ml,
 * as rendered at xapi-project.github.io/xen-api/classes/{vm,host}.html):
 *   VM.pool_migrate(session, vm, host, options)  errs VM_BAD_POWER_STATE, ...
 *   VM.clean_shutdown(session, vm)                errs VM_BAD_POWER_STATE, ...
 *   VM.start(session, vm, start_paused, force)    errs VM_BAD_POWER_STATE, NO_HOSTS_AVAILABLE, ...
 *   host.disable(session, host), host.enable(session, host)
 *   host.evacuate(session, host)                  "Migrate all VMs off of this host, where possible."
 * VM_BAD_POWER_STATE carries [vm, expected, actual] in lower case; a
 * migration to a disabled host fails with HOST_DISABLED [host]. Records hold
 * the datamodel's field names (VM: uuid, name_label, power_state,
 * resident_on, is_a_template, is_control_domain; host: uuid, name_label,
 * enabled, address, metrics). What a real pool does in between (memory
 * checks, HA planning, tasks) is not modelled: each call takes effect at once.
 */

export interface PoolVm {
  ref: string;
  name: string;
  /** memory_static_max, MiB. */
  memoryMiB: number;
  power: 'Running' | 'Halted' | 'Paused' | 'Suspended';
  residentOn: string;
}

export interface PoolHost {
  ref: string;
  name: string;
  enabled: boolean;
}

/**
 * Pool HA as the datamodel holds it: pool.ha_enabled, ha_statefiles (VDI
 * refs), ha_host_failures_to_tolerate, ha_plan_exists_for; the statefile
 * VDI's SR (VDI.SR) and one PBD per host for it (PBD.host, PBD.SR,
 * PBD.currently_attached). What XAPI computes (the plan) is set by the test.
 */
export interface PoolHaState {
  enabled: boolean;
  failuresToTolerate: number;
  planExistsFor: number;
  /** Host names whose PBD of the heartbeat SR is attached; the others have an unplugged PBD. */
  statefilePluggedOn: string[];
}

export interface XapiPoolState {
  hosts: PoolHost[];
  vms: PoolVm[];
  ha: PoolHaState;
}

const NULL = 'OpaqueRef:NULL';
const HEARTBEAT_VDI = 'OpaqueRef:vdi-statefile';
const HEARTBEAT_SR = 'OpaqueRef:sr-heartbeat';
const ok = (id: number, result: unknown) => ({ jsonrpc: '2.0', result, id });
const fail = (id: number, code: string, data: string[]) => ({
  jsonrpc: '2.0',
  error: { code: 1, message: code, data },
  id,
});

export function xapiPool(
  hosts: string[],
  vms: { name: string; on: string; memoryMiB?: number }[],
): XapiPoolState {
  const h = hosts.map((name, i) => ({ ref: `OpaqueRef:host-${i + 1}`, name, enabled: true }));
  return {
    hosts: h,
    ha: { enabled: true, failuresToTolerate: 1, planExistsFor: 1, statefilePluggedOn: hosts },
    vms: vms.map((v, i) => ({
      ref: `OpaqueRef:vm-${i + 1}`,
      name: v.name,
      memoryMiB: v.memoryMiB ?? 1024,
      power: 'Running',
      residentOn: h.find((x) => x.name === v.on)!.ref,
    })),
  };
}

/** Answers the calls the actions make, changing `pool` as XAPI would. */
export function xapiPoolAnswers(pool: XapiPoolState): (call: XapiCall) => unknown {
  return (call) => {
    const [session, ...args] = call.params as [string, ...unknown[]];
    if (call.method === 'session.login_with_password') return ok(call.id, XAPI_SESSION);
    if (session !== XAPI_SESSION) return fail(call.id, 'SESSION_INVALID', [String(session)]);
    const vm = (ref: unknown) => pool.vms.find((v) => v.ref === ref);
    const host = (ref: unknown) => pool.hosts.find((x) => x.ref === ref);
    switch (call.method) {
      case 'session.logout':
        return ok(call.id, '');
      case 'host.get_all_records':
        return ok(
          call.id,
          Object.fromEntries(
            pool.hosts.map((x, i) => [
              x.ref,
              {
                uuid: `0000000${i}-host`,
                name_label: x.name,
                enabled: x.enabled,
                address: `10.0.0.${i + 1}`,
                metrics: NULL,
              },
            ]),
          ),
        );
      case 'pool.get_all_records':
        return ok(call.id, {
          'OpaqueRef:pool-1': {
            uuid: 'pool-uuid-1',
            name_label: 'test-pool',
            master: pool.hosts[0]!.ref,
            ha_enabled: pool.ha.enabled,
            // XAPI empties ha_statefiles when HA is disabled.
            ha_statefiles: pool.ha.enabled ? [HEARTBEAT_VDI] : [],
            ha_host_failures_to_tolerate: pool.ha.failuresToTolerate,
            ha_plan_exists_for: pool.ha.planExistsFor,
            ha_allow_overcommit: false,
            ha_overcommitted: pool.ha.planExistsFor < pool.ha.failuresToTolerate,
          },
        });
      case 'VDI.get_record':
        if (args[0] !== HEARTBEAT_VDI) return fail(call.id, 'HANDLE_INVALID', [String(args[0])]);
        return ok(call.id, {
          uuid: 'vdi-statefile',
          name_label: 'Statefile for HA',
          SR: HEARTBEAT_SR,
          type: 'ha_statefile',
        });
      case 'SR.get_all_records':
        return ok(call.id, {
          [HEARTBEAT_SR]: {
            uuid: 'sr-heartbeat',
            name_label: 'iSCSI heartbeat',
            PBDs: pool.hosts.map((x) => `${x.ref}-pbd`),
          },
        });
      case 'PBD.get_all_records':
        return ok(
          call.id,
          Object.fromEntries(
            pool.hosts.map((x) => [
              `${x.ref}-pbd`,
              {
                uuid: `${x.ref}-pbd`,
                host: x.ref,
                SR: HEARTBEAT_SR,
                currently_attached: pool.ha.statefilePluggedOn.includes(x.name),
              },
            ]),
          ),
        );
      case 'VM.get_all_records':
        return ok(call.id, {
          ...Object.fromEntries(
            pool.vms.map((v, i) => [
              v.ref,
              {
                uuid: `0000000${i}-vm`,
                name_label: v.name,
                power_state: v.power,
                resident_on: v.residentOn,
                memory_static_max: v.memoryMiB * 2 ** 20,
                is_a_template: false,
                is_control_domain: false,
                is_a_snapshot: false,
              },
            ]),
          ),
          // dom0 of each host, and a template: not guests, the actions must not count them.
          ...Object.fromEntries(
            pool.hosts.map((x) => [
              `${x.ref}-dom0`,
              {
                uuid: `${x.ref}-dom0`,
                name_label: `Control domain on host: ${x.name}`,
                power_state: 'Running',
                resident_on: x.ref,
                is_a_template: false,
                is_control_domain: true,
              },
            ]),
          ),
          'OpaqueRef:template-1': {
            uuid: 't1',
            name_label: 'Debian Bookworm 12',
            power_state: 'Halted',
            resident_on: NULL,
            is_a_template: true,
            is_control_domain: false,
          },
        });
      case 'VM.pool_migrate': {
        const v = vm(args[0]);
        const to = host(args[1]);
        if (!v || !to) return fail(call.id, 'HANDLE_INVALID', [String(v ? args[1] : args[0])]);
        if (v.power !== 'Running')
          return fail(call.id, 'VM_BAD_POWER_STATE', [v.ref, 'running', v.power.toLowerCase()]);
        if (!to.enabled) return fail(call.id, 'HOST_DISABLED', [to.ref]);
        v.residentOn = to.ref;
        return ok(call.id, '');
      }
      case 'VM.clean_shutdown': {
        const v = vm(args[0]);
        if (!v) return fail(call.id, 'HANDLE_INVALID', [String(args[0])]);
        if (v.power !== 'Running')
          return fail(call.id, 'VM_BAD_POWER_STATE', [v.ref, 'running', v.power.toLowerCase()]);
        v.power = 'Halted';
        v.residentOn = NULL;
        return ok(call.id, '');
      }
      case 'VM.start': {
        const v = vm(args[0]);
        if (!v) return fail(call.id, 'HANDLE_INVALID', [String(args[0])]);
        if (v.power !== 'Halted')
          return fail(call.id, 'VM_BAD_POWER_STATE', [v.ref, 'halted', v.power.toLowerCase()]);
        const on = pool.hosts.find((x) => x.enabled);
        if (!on) return fail(call.id, 'NO_HOSTS_AVAILABLE', []);
        v.power = 'Running';
        v.residentOn = on.ref;
        return ok(call.id, '');
      }
      case 'host.disable':
      case 'host.enable': {
        const x = host(args[0]);
        if (!x) return fail(call.id, 'HANDLE_INVALID', [String(args[0])]);
        x.enabled = call.method === 'host.enable';
        return ok(call.id, '');
      }
      case 'host.evacuate': {
        const x = host(args[0]);
        if (!x) return fail(call.id, 'HANDLE_INVALID', [String(args[0])]);
        const to = pool.hosts.find((o) => o !== x && o.enabled);
        const on = pool.vms.filter((v) => v.residentOn === x.ref && v.power === 'Running');
        if (on.length > 0 && !to) return fail(call.id, 'CANNOT_EVACUATE_HOST', ['no other enabled host']);
        for (const v of on) v.residentOn = to!.ref;
        return ok(call.id, '');
      }
      default:
        return fail(call.id, 'MESSAGE_METHOD_UNKNOWN', [call.method]);
    }
  };
}
