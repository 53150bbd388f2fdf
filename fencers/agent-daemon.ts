import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import type { AgentOptions } from './agent-options.js';

/*
 * A resident fence_havoc. Pacemaker starts a fence agent as a new process for
 * every operation, monitors included; a Node process then spends most of its
 * time starting and loading the inventory schema before it speaks to a BMC.
 * `havoc fence-agent serve` keeps one warm process per node; fence_havoc hands
 * it the request over a root-only unix socket and falls back to doing the work
 * itself when no agent listens.
 */

export const DEFAULT_AGENT_SOCKET = '/run/havoc/fence-agent.sock';

/** What fence_havoc passes on: its options, and the environment variables that choose the inventory. */
export interface AgentRequest {
  opts: AgentOptions;
  env: Record<string, string>;
}

export interface AgentReply {
  code: number;
  stdout: string;
  stderr: string;
}

/** The variables of fence_havoc's environment that the resident agent must honour. */
export const FORWARDED_ENV = ['HAVOC_INVENTORY', 'HAVOC_LAB_NAME', 'HAVOC_LAB_DIR'] as const;

const MAX_REQUEST_BYTES = 64 * 1024;

export interface AgentServer {
  socket: string;
  /** Requests answered so far. */
  served(): number;
  close(): Promise<void>;
}

/**
 * Listens on `socket` (mode 0600) and answers each connection's one request
 * with `handle`. One JSON line in, one JSON line out.
 */
export async function serveAgent(
  socket: string,
  handle: (req: AgentRequest) => Promise<AgentReply>,
): Promise<AgentServer> {
  mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
  // A socket file left by a killed agent would make listen() fail with EADDRINUSE.
  if (existsSync(socket)) rmSync(socket);
  let served = 0;
  const server: Server = createServer((conn) => {
    let buffered = '';
    conn.setEncoding('utf8');
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_REQUEST_BYTES) {
        conn.destroy();
        return;
      }
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      conn.removeAllListeners('data');
      let request: AgentRequest;
      try {
        request = JSON.parse(buffered.slice(0, newline)) as AgentRequest;
      } catch {
        conn.end(
          `${JSON.stringify({ code: 1, stdout: '', stderr: 'Failed: malformed request to the fence agent\n' })}\n`,
        );
        return;
      }
      handle(request)
        .then((reply) => {
          served++;
          conn.end(`${JSON.stringify(reply)}\n`);
        })
        .catch((err: unknown) =>
          conn.end(`${JSON.stringify({ code: 1, stdout: '', stderr: `Failed: ${String(err)}\n` })}\n`),
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socket, 0o600);
  return {
    socket,
    served: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(socket, { force: true });
      }),
  };
}

/**
 * Hands a request to the resident agent. Undefined when none listens (the
 * caller then does the work itself). Once the request was sent, a missing
 * answer is a failure, never a reason to run the operation a second time.
 */
export function askAgent(
  socket: string,
  request: AgentRequest,
  connectTimeoutMs = 500,
): Promise<AgentReply | undefined> {
  if (!existsSync(socket)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let sent = false;
    let answer = '';
    const conn = createConnection(socket);
    const connectTimer = setTimeout(() => conn.destroy(), connectTimeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => {
      clearTimeout(connectTimer);
      sent = true;
      conn.write(`${JSON.stringify(request)}\n`);
    });
    conn.on('data', (chunk: string) => {
      answer += chunk;
    });
    const finish = () => {
      clearTimeout(connectTimer);
      if (!sent) return resolve(undefined);
      try {
        resolve(JSON.parse(answer) as AgentReply);
      } catch {
        resolve({
          code: 1,
          stdout: '',
          stderr: `Failed: the resident fence agent at ${socket} ended without an answer\n`,
        });
      }
    };
    conn.on('error', () => undefined);
    conn.on('close', finish);
  });
}
