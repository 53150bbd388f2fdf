import type { ClientChannel } from 'ssh2';
import { type ConnectionOptions, type ExecOptions, type ExecResult, SshConnection } from './connection.js';
import { type SshTarget, targetKey } from './target.js';

export interface SshPoolOptions extends Partial<ConnectionOptions> {}

export interface SshHostStats {
  host: string;
  connected: boolean;
  activeChannels: number;
  queuedCommands: number;
  peakChannels: number;
}

const DEFAULTS: ConnectionOptions = {
  // OpenSSH allows MaxSessions=10 per connection by default; keep two for the admin.
  maxChannels: 8,
  connectTimeoutMs: 10_000,
  keepaliveIntervalMs: 15_000,
  backoff: { initialMs: 1_000, maxMs: 30_000 },
  maxOutputBytes: 16 * 1024 * 1024,
};

/**
 * Persistent SSH connections, one per host login, owned by the caller (the
 * exporter keeps one in its scrape cache; a fence run makes its own). No
 * module state: two pools never share a connection.
 */
export class SshPool {
  private readonly connections = new Map<string, SshConnection>();
  private readonly opts: ConnectionOptions;

  constructor(opts: SshPoolOptions = {}) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Runs `command` on the target; a non-zero exit throws SshCommandError unless allowFailure. */
  exec(target: SshTarget, command: string, o: ExecOptions): Promise<ExecResult> {
    return this.connection(target).exec(command, o);
  }

  /** A channel to a unix socket on the target, through its sshd (SshConnection.openStreamLocal); the caller destroys it. */
  openStreamLocal(target: SshTarget, socketPath: string, signal: AbortSignal): Promise<ClientChannel> {
    return this.connection(target).openStreamLocal(socketPath, signal);
  }

  /** Logs in to the target (or reuses its live connection) without running anything. */
  login(target: SshTarget, signal: AbortSignal): Promise<void> {
    return this.connection(target).login(signal);
  }

  stats(): SshHostStats[] {
    return [...this.connections.values()].map((c) => ({
      host: c.target.name,
      connected: c.connected,
      activeChannels: c.slots.active,
      queuedCommands: c.slots.queued,
      peakChannels: c.slots.peak,
    }));
  }

  close(): void {
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }

  private connection(target: SshTarget): SshConnection {
    const key = targetKey(target);
    let c = this.connections.get(key);
    if (!c) {
      c = new SshConnection(target, this.opts);
      this.connections.set(key, c);
    }
    return c;
  }
}
