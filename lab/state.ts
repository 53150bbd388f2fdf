import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HavocError } from '../core/errors.js';

/**
 * A daemon the lab started. Written before the spawn (pid unknown yet) and
 * completed right after, so `lab down` knows about it even if `lab up` died
 * in between (it then finds it by its network namespace).
 */
export interface RecordedProcess {
  role: string;
  netns: string;
  pid?: number;
  startTime?: string;
}

/** A long-running program a host starts at every boot, in registration order. */
export interface BootService {
  name: string;
  /** The daemon, in the foreground (it is supervised by the host's init, not forked away). */
  argv: string[];
  /** Commands run one after another before the daemon starts (mounts, directories). */
  prepare?: string[][];
}

export interface LabHostState {
  netns: string;
  /** Files for this host: keys, sshd config, boot script, power record, logs. */
  dir: string;
  /** Commands every boot runs before the services (routes). */
  setup: string[][];
  services: BootService[];
}

export interface LabState {
  version: 1;
  name: string;
  dir: string;
  createdAt: string;
  hostCount: number;
  slot: number;
  phase: 'creating' | 'up';
  /** Intent log: every entry is written before the kernel object or process exists. */
  namespaces: string[];
  rootLinks: string[];
  processes: RecordedProcess[];
  hosts: Record<string, LabHostState>;
  /** Non-secret SNMPv3 parameters; the keys are in secret files. */
  snmpV3?: {
    user: string;
    authProtocol: 'sha';
    privProtocol: 'aes';
    authKeyFile: string;
    privKeyFile: string;
  };
  /** Present when the lab was brought up with --ha (corosync + Pacemaker on the hosts, VMs as resources). */
  ha?: LabHaState;
  durations?: { upMs?: number; clusterMs?: number; vmsMs?: number };
}

export interface LabHaState {
  fenceAgent: 'fence_ipmilan' | 'fence_havoc';
  vms: { name: string; ip: string; homeHost: string }[];
}

export const STATE_FILE = 'state.json';

export function stateFilePath(dir: string): string {
  return join(dir, STATE_FILE);
}

export function readLabState(dir: string): LabState | undefined {
  const file = stateFilePath(dir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabState;
  } catch (err) {
    throw new HavocError('lab', `lab state ${file} is unreadable: ${(err as Error).message}`, {
      hint: 'inspect it by hand; `ip netns list` shows the namespaces a lab left behind',
    });
  }
}

/**
 * The lab's state file, rewritten atomically (write + rename) on every
 * change, so a SIGKILL at any moment leaves either the old or the new
 * version, never half of one.
 */
export class LabStateStore {
  readonly #file: string;
  #state: LabState;

  constructor(state: LabState) {
    this.#file = stateFilePath(state.dir);
    this.#state = state;
  }

  static create(state: LabState): LabStateStore {
    mkdirSync(state.dir, { recursive: true, mode: 0o700 });
    const store = new LabStateStore(state);
    store.#write();
    return store;
  }

  get state(): Readonly<LabState> {
    return this.#state;
  }

  update(change: (s: LabState) => void): void {
    change(this.#state);
    this.#write();
  }

  #write(): void {
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.#state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.#file);
  }
}
