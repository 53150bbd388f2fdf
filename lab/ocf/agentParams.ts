import { join } from 'node:path';
import { QEMU_VM_STATE_ROOT } from '../../chaos/qemu-vm-paths.js';
import type { VmSpec } from '../vm/vmSpec.js';
import { OCF, OcfFailure } from './ocfExit.js';

/** One OCF parameter: how meta-data describes it and whether the agent can do without it. */
export interface ParamDef {
  name: string;
  required: boolean;
  unique?: boolean;
  default?: string;
  type: 'string' | 'integer';
  shortdesc: string;
  longdesc: string;
}

export const DEFAULT_STATE_ROOT = QEMU_VM_STATE_ROOT;
export const DEFAULT_MIGRATION_PORT = 49152;

export const PARAMS: readonly ParamDef[] = [
  {
    name: 'name',
    required: true,
    unique: true,
    type: 'string',
    shortdesc: 'VM name',
    longdesc: 'Name of the VM (QEMU -name, guest hostname).',
  },
  {
    name: 'memory',
    required: false,
    default: '192',
    type: 'integer',
    shortdesc: 'Memory (MiB)',
    longdesc: 'Guest memory in MiB.',
  },
  {
    name: 'vcpus',
    required: false,
    default: '1',
    type: 'integer',
    shortdesc: 'vCPUs',
    longdesc: 'Number of virtual CPUs.',
  },
  {
    name: 'kernel',
    required: true,
    type: 'string',
    shortdesc: 'Guest kernel',
    longdesc: 'Absolute path of the guest kernel (-kernel) on every node.',
  },
  {
    name: 'initrd',
    required: true,
    type: 'string',
    shortdesc: 'Guest initramfs',
    longdesc: 'Absolute path of the guest initramfs (-initrd) on every node.',
  },
  {
    name: 'ip',
    required: true,
    unique: true,
    type: 'string',
    shortdesc: 'Guest address',
    longdesc: 'Guest IPv4 address with prefix, e.g. 198.18.3.101/24 (kernel command line havoc.ip).',
  },
  {
    name: 'gateway',
    required: false,
    type: 'string',
    shortdesc: 'Guest gateway',
    longdesc: 'Guest default gateway (havoc.gw); empty for none.',
  },
  {
    name: 'mac',
    required: true,
    unique: true,
    type: 'string',
    shortdesc: 'Guest MAC',
    longdesc: 'MAC address of the virtio-net NIC; keep it the same on every node.',
  },
  {
    name: 'nbd_host',
    required: true,
    type: 'string',
    shortdesc: 'NBD server address',
    longdesc: 'IPv4 address of the NBD server holding the disk, reachable from every node.',
  },
  {
    name: 'nbd_port',
    required: false,
    default: '10809',
    type: 'integer',
    shortdesc: 'NBD server port',
    longdesc: 'TCP port of the NBD server.',
  },
  {
    name: 'nbd_export',
    required: true,
    type: 'string',
    shortdesc: 'NBD export name',
    longdesc:
      'Export name of the disk; the server must allow two clients at once (qemu-nbd --shared=2 or more) for live migration.',
  },
  {
    name: 'bridge',
    required: true,
    type: 'string',
    shortdesc: 'Bridge',
    longdesc: "Bridge in the node's network namespace the VM's tap joins.",
  },
  {
    name: 'tap',
    required: false,
    type: 'string',
    shortdesc: 'Tap device',
    longdesc: 'Name of the tap device (default tap-NAME, cut to 15 characters).',
  },
  {
    name: 'migration_addresses',
    required: false,
    type: 'string',
    shortdesc: 'Migration addresses',
    longdesc:
      'Each node\'s address on the migration network, as "node1=198.18.3.11 node2=198.18.3.12". Needed for live migration: the source listens on its own address, the target connects to the source\'s.',
  },
  {
    name: 'migration_port',
    required: false,
    default: String(DEFAULT_MIGRATION_PORT),
    type: 'integer',
    shortdesc: 'Migration port',
    longdesc: 'TCP port the source listens on for the migration stream.',
  },
  {
    name: 'state_dir',
    required: false,
    type: 'string',
    shortdesc: 'State directory',
    longdesc: `Directory for the QMP socket, pidfile and console log (default ${DEFAULT_STATE_ROOT}/NAME).`,
  },
];

export interface AgentConfig {
  spec: VmSpec;
  migrationAddresses: Map<string, string>;
  migrationPort: number;
}

export type OcfEnv = Record<string, string | undefined>;

function reskey(env: OcfEnv, name: string): string | undefined {
  const value = env[`OCF_RESKEY_${name}`]?.trim();
  return value === '' ? undefined : value;
}

/** Parses "node1=10.0.0.1 node2=10.0.0.2" (spaces or commas between pairs). */
export function parseMigrationAddresses(text: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of (text ?? '').split(/[\s,]+/).filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) {
      throw new OcfFailure(OCF.ERR_CONFIGURED, `migration_addresses: "${pair}" is not node=address`);
    }
    map.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return map;
}

function integer(env: OcfEnv, name: string, fallback: number): number {
  const text = reskey(env, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text))
    throw new OcfFailure(OCF.ERR_CONFIGURED, `parameter ${name}="${text}" is not a whole number`);
  return Number(text);
}

/**
 * Reads the agent's configuration from OCF_RESKEY_* variables. A missing
 * required parameter or a malformed value is OCF_ERR_CONFIGURED, naming the
 * parameter; path and shape checks of the values are validateVmSpec's.
 */
export function readAgentConfig(env: OcfEnv): AgentConfig {
  const missing = PARAMS.filter((p) => p.required && reskey(env, p.name) === undefined).map((p) => p.name);
  if (missing.length > 0) {
    throw new OcfFailure(OCF.ERR_CONFIGURED, `missing required parameter(s): ${missing.join(', ')}`);
  }
  const name = reskey(env, 'name')!;
  const spec: VmSpec = {
    name,
    memoryMiB: integer(env, 'memory', 192),
    vcpus: integer(env, 'vcpus', 1),
    kernel: reskey(env, 'kernel')!,
    initrd: reskey(env, 'initrd')!,
    ip: reskey(env, 'ip')!,
    gateway: reskey(env, 'gateway'),
    mac: reskey(env, 'mac')!,
    tap: reskey(env, 'tap') ?? `tap-${name}`.slice(0, 15),
    bridge: reskey(env, 'bridge')!,
    nbd: {
      host: reskey(env, 'nbd_host')!,
      port: integer(env, 'nbd_port', 10809),
      export: reskey(env, 'nbd_export')!,
    },
    stateDir: reskey(env, 'state_dir') ?? join(DEFAULT_STATE_ROOT, name),
  };
  return {
    spec,
    migrationAddresses: parseMigrationAddresses(reskey(env, 'migration_addresses')),
    migrationPort: integer(env, 'migration_port', DEFAULT_MIGRATION_PORT),
  };
}

/** The action's timeout Pacemaker passes (ms), less a margin so we answer before it kills us. */
export function actionBudgetMs(env: OcfEnv, fallbackMs: number): number {
  const timeout = Number(env['OCF_RESKEY_CRM_meta_timeout']);
  return Number.isFinite(timeout) && timeout > 0 ? Math.max(1_000, timeout - 2_000) : fallbackMs;
}
