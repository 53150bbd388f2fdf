import { readFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { backoffIntervals, monotonicMs, throwIfAborted } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';
import { ChannelSlots } from './channel-slots.js';
import { SshCommandError } from './errors.js';
import { hostKeyCheck } from './host-key.js';
import type { SshTarget } from './target.js';

export interface ExecOptions {
  signal: AbortSignal;
  /** Written to the command's stdin, which is then closed. */
  stdin?: string;
  /** Names the command in errors, e.g. "the host scrape script"; default the command itself. */
  what?: string;
  /** Return non-zero exits instead of throwing SshCommandError. */
  allowFailure?: boolean;
  /**
   * Receives stdout as it arrives, decoded as UTF-8, instead of the result's
   * `stdout` (then empty): for a command that runs until it is aborted
   * (`virsh event --loop`), whose output must neither wait for its exit nor
   * pile up in memory.
   */
  onStdout?: (text: string) => void;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** undefined when the command was killed by a signal. */
  exitCode: number | undefined;
  signal: string | undefined;
}

export interface ConnectionOptions {
  maxChannels: number;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  backoff: { initialMs: number; maxMs: number };
  maxOutputBytes: number;
}

// How long an aborted command may keep its session before the connection is
// dropped to free it (a command stuck in the kernel, e.g. on a hung DRBD device).
const ABORT_GRACE_MS = 30_000;

interface Live {
  client: Client;
  /** Resolves once authenticated; rejects with the reason the attempt failed. */
  ready: Promise<Client>;
  usable: boolean;
}

/**
 * One persistent SSH connection to one host. Commands share it through up to
 * `maxChannels` concurrent sessions. A lost connection is re-opened by the
 * next command; failed attempts back off exponentially, and while backing off
 * commands fail at once with the last error instead of hammering the host.
 */
export class SshConnection {
  readonly slots: ChannelSlots;
  private live: Live | undefined;
  private failures = 0;
  private retryAt = 0;
  private lastError: Error | undefined;
  private closed = false;

  constructor(
    readonly target: SshTarget,
    private readonly opts: ConnectionOptions,
  ) {
    this.slots = new ChannelSlots(opts.maxChannels);
  }

  get connected(): boolean {
    return this.live?.usable === true;
  }

  async exec(command: string, o: ExecOptions): Promise<ExecResult> {
    const release = await this.slots.acquire(o.signal);
    // From here on, `release` is handed to run(), which calls it once sshd has closed the channel.
    let handedOver = false;
    try {
      const reused = this.live?.usable === true;
      const client = await this.client(o.signal);
      handedOver = true;
      try {
        return await this.run(client, command, o, release);
      } catch (err) {
        // A connection that died while idle (host rebooted) fails on its first channel: retry once on a
        // fresh one. A refused channel on a live connection ("open failed") is not retried.
        const dead = this.live?.client !== client || this.live?.usable !== true;
        if (!(err instanceof ChannelOpenError) || !reused || !dead) throw unwrap(err);
        if (this.live?.client === client) this.drop();
        const again = await this.slots.acquire(o.signal);
        const fresh = await this.client(o.signal).catch((e: unknown) => {
          again();
          throw e;
        });
        return await this.run(fresh, command, o, again).catch((e) => {
          throw unwrap(e);
        });
      }
    } finally {
      if (!handedOver) release();
    }
  }

  /**
   * Opens a channel to a unix socket on the host (OpenSSH's
   * direct-streamlocal@openssh.com, as `ssh -L local:/remote.sock`): sshd
   * connects to the socket itself, so nothing is run on the host. It is not
   * a session, so it takes no channel slot (MaxSessions counts sessions
   * only). sshd refuses it under AllowStreamLocalForwarding no or
   * DisableForwarding yes; the error says so.
   */
  async openStreamLocal(socketPath: string, signal: AbortSignal): Promise<ClientChannel> {
    const client = await this.client(signal);
    return await new Promise<ClientChannel>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      client.openssh_forwardOutStreamLocal(socketPath, (err, ch) => {
        signal.removeEventListener('abort', onAbort);
        if (err) {
          reject(
            new ChannelOpenError(
              `SSH to ${this.where()} could not open unix socket ${socketPath}: ${err.message}`,
              this.target.name,
              'the socket must exist, and sshd must allow it (AllowStreamLocalForwarding yes, DisableForwarding no: the defaults)',
            ),
          );
          return;
        }
        if (signal.aborted) {
          ch.destroy();
          return;
        }
        resolve(ch);
      });
    });
  }

  /**
   * Resolves once the connection is logged in (key exchange, host key check,
   * authentication), without opening a channel: no shell and no rc file runs.
   */
  async login(signal: AbortSignal): Promise<void> {
    await this.client(signal);
  }

  close(): void {
    this.closed = true;
    this.drop();
  }

  private where(): string {
    return `${this.target.user}@${this.target.name} (${this.target.address}:${this.target.port})`;
  }

  private drop(): void {
    if (!this.live) return;
    this.live.usable = false;
    this.live.client.end();
    this.live = undefined;
  }

  private client(signal: AbortSignal): Promise<Client> {
    throwIfAborted(signal);
    if (this.closed) throw new HavocError('ssh-closed', `SSH pool closed; not connecting to ${this.where()}`);
    if (!this.live) {
      const wait = this.retryAt - monotonicMs();
      if (wait > 0 && this.lastError) {
        throw new HavocError(
          this.lastError instanceof HavocError ? this.lastError.code : 'ssh-connect',
          `${errorText(this.lastError)} (next attempt in ${Math.ceil(wait)} ms)`,
          { target: this.target.name, cause: this.lastError },
        );
      }
      this.live = this.connect();
    }
    const { ready } = this.live;
    // The attempt runs to its own timeout even if this caller gives up, so the next scrape finds it ready.
    return new Promise<Client>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      ready.then(
        (c) => {
          signal.removeEventListener('abort', onAbort);
          resolve(c);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  private connect(): Live {
    const client = new Client();
    const live: Live = { client, ready: Promise.resolve(client), usable: false };
    live.ready = (async () => {
      const check = await hostKeyCheck(this.target);
      let privateKey: Buffer;
      try {
        privateKey = await readFile(this.target.keyFile);
      } catch (err) {
        throw new HavocError(
          'ssh-key',
          `cannot read SSH private key ${this.target.keyFile} for ${this.where()}: ${(err as NodeJS.ErrnoException).code ?? err}`,
          { target: this.target.name },
        );
      }
      return await new Promise<Client>((resolve, reject) => {
        let keyProblem: Error | undefined;
        let settled = false;
        const fail = (err: Error) => {
          if (settled) return;
          settled = true;
          client.end();
          reject(keyProblem ?? err);
        };
        client.once('ready', () => {
          settled = true;
          live.usable = true;
          resolve(client);
        });
        client.on('error', (err) => fail(this.connectError(err)));
        client.on('close', () => {
          live.usable = false;
          if (this.live === live) this.live = undefined;
          fail(new HavocError('ssh-connect', `SSH connection to ${this.where()} closed during login`));
        });
        const config: ConnectConfig = {
          host: this.target.address,
          port: this.target.port,
          username: this.target.user,
          privateKey,
          readyTimeout: this.opts.connectTimeoutMs,
          keepaliveInterval: this.opts.keepaliveIntervalMs,
          keepaliveCountMax: 3,
          hostVerifier: (key: Buffer) => {
            keyProblem = check.problem(key);
            return keyProblem === undefined;
          },
        };
        if (check.algorithms) {
          config.algorithms = {
            serverHostKey: check.algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'],
          };
        }
        try {
          client.connect(config);
        } catch (err) {
          // ssh2 throws synchronously on a private key it cannot parse.
          fail(
            new HavocError(
              'ssh-key',
              `SSH private key ${this.target.keyFile} for ${this.where()} is unusable: ${(err as Error).message}`,
              { target: this.target.name, hint: 'an unencrypted OpenSSH or PEM private key is needed' },
            ),
          );
        }
      });
    })();
    live.ready.then(
      () => {
        this.failures = 0;
        this.lastError = undefined;
      },
      (err: Error) => {
        if (this.live === live) this.live = undefined;
        this.failures++;
        this.lastError = err;
        const intervals = backoffIntervals(this.opts.backoff);
        let delay = 0;
        for (let i = 0; i < this.failures; i++) delay = intervals.next().value ?? this.opts.backoff.maxMs;
        this.retryAt = monotonicMs() + delay;
      },
    );
    return live;
  }

  private connectError(err: Error & { level?: string }): Error {
    if (err.level === 'client-authentication') {
      return new HavocError(
        'auth',
        `SSH login as ${this.target.user} to ${this.target.name} (${this.target.address}:${this.target.port}) was refused for key ${this.target.keyFile}`,
        { target: this.target.name, hint: 'add the public key to the authorized_keys of that user' },
      );
    }
    if (/Timed out while waiting for handshake/.test(err.message)) {
      return new HavocError(
        'ssh-timeout',
        `SSH to ${this.where()}: no handshake within ${this.opts.connectTimeoutMs} ms`,
        { target: this.target.name },
      );
    }
    const code = (err as NodeJS.ErrnoException).code;
    return new HavocError('ssh-connect', `SSH to ${this.where()} failed: ${code ?? err.message}`, {
      target: this.target.name,
      cause: err,
    });
  }

  /**
   * Runs one command on its own channel. The caller's promise settles as soon
   * as the command ends or the signal aborts, but the channel slot is only
   * released once sshd has closed the channel: sshd keeps a session (and
   * counts it against MaxSessions) until the command's process exits. An
   * aborted command is sent SIGKILL (sshd honours that for non-root logins
   * only: "session signalling requires privilege separation"), so callers
   * that log in as root should bound their commands themselves (`timeout`).
   * A channel sshd has not closed ABORT_GRACE_MS after an abort takes the
   * connection down with it, which frees the session on the server.
   */
  private run(client: Client, command: string, o: ExecOptions, release: () => void): Promise<ExecResult> {
    const what = o.what ?? JSON.stringify(command.length > 60 ? `${command.slice(0, 57)}...` : command);
    return new Promise<ExecResult>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      let done = false;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (err: Error | undefined, result?: ExecResult) => {
        if (done) return;
        done = true;
        o.signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(result!);
      };
      const abandon = (ch: ClientChannel) => {
        sendKill(ch);
        ch.close();
        watchdog = setTimeout(() => {
          if (this.live?.client === client) this.drop();
          release();
        }, ABORT_GRACE_MS);
        watchdog.unref();
      };
      const onAbort = () => {
        if (channel) abandon(channel);
        finish(o.signal.reason instanceof Error ? o.signal.reason : new Error(String(o.signal.reason)));
      };
      if (o.signal.aborted) {
        release();
        onAbort();
        return;
      }
      o.signal.addEventListener('abort', onAbort, { once: true });
      client.exec(command, (err, ch) => {
        if (err) {
          release();
          finish(
            new ChannelOpenError(
              `SSH session for ${what} on ${this.where()} could not be opened: ${err.message}`,
              this.target.name,
            ),
          );
          return;
        }
        channel = ch;
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let size = 0;
        let exitCode: number | undefined;
        let exitSignal: string | undefined;
        ch.on('close', () => {
          clearTimeout(watchdog);
          release();
          const result: ExecResult = {
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(errOut).toString('utf8'),
            exitCode,
            signal: exitSignal,
          };
          if (exitCode === undefined && exitSignal === undefined) {
            finish(
              new HavocError(
                'ssh-connect',
                `SSH connection to ${this.where()} was lost while running ${what}`,
                {
                  target: this.target.name,
                },
              ),
            );
          } else if (!o.allowFailure && exitCode !== 0) {
            finish(new SshCommandError(what, this.target.name, result));
          } else {
            finish(undefined, result);
          }
        });
        if (done) {
          abandon(ch);
          return;
        }
        const collect = (into: Buffer[]) => (d: Buffer) => {
          size += d.length;
          if (size > this.opts.maxOutputBytes) {
            abandon(ch);
            finish(
              new HavocError(
                'ssh-output',
                `${what} on ${this.where()} printed more than ${this.opts.maxOutputBytes} bytes`,
                { target: this.target.name },
              ),
            );
            return;
          }
          into.push(d);
        };
        const { onStdout } = o;
        if (onStdout) {
          const decoder = new StringDecoder('utf8');
          ch.on('data', (d: Buffer) => {
            const text = decoder.write(d);
            if (text) onStdout(text);
          });
        } else {
          ch.on('data', collect(out));
        }
        ch.stderr.on('data', collect(errOut));
        ch.on('exit', (code: number | null, signalName?: string) => {
          exitCode = code ?? undefined;
          exitSignal = signalName ?? undefined;
        });
        ch.end(o.stdin ?? '');
      });
    });
  }
}

interface ChannelInternals {
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
}

/**
 * Sends a "signal" channel request (RFC 4254 6.9; sshd runs killpg on the
 * session). ssh2's public ClientChannel.signal() drops the request once
 * stdin was ended, which is always the case here (stdin is closed right after
 * the exec), so the protocol call is made directly while the channel is open.
 */
function sendKill(ch: ClientChannel): void {
  const internals = ch as unknown as ChannelInternals;
  const id = internals.outgoing?.id;
  const protocol = internals._client?._protocol;
  if (
    id === undefined ||
    (internals.outgoing?.state !== 'open' && internals.outgoing?.state !== 'eof') ||
    typeof protocol?.signal !== 'function'
  )
    return;
  try {
    protocol.signal(id, 'KILL');
  } catch {
    // the connection is already going away
  }
}

class ChannelOpenError extends HavocError {
  constructor(message: string, target: string, hint?: string) {
    super('ssh-channel', message, hint ? { target, hint } : { target });
  }
}

function unwrap(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function errorText(err: Error): string {
  return err instanceof HavocError ? err.message : err.message;
}
