import { existsSync } from 'node:fs';
import { systemMonotonicMs } from '../core/deadline.js';
import type { AgentOptions } from './agent-options.js';

/*
 * fence_havoc's side of the resident agent (agent-daemon.ts): one request
 * over the agent's unix socket. node:net is loaded only when a socket is
 * there: without a resident agent, fence_havoc spares it.
 */

export const DEFAULT_AGENT_SOCKET = '/run/havoc/fence-agent.sock';

/** What fence_havoc passes on: its options, and the environment variables that choose the inventory. */
export interface AgentRequest {
  opts: AgentOptions;
  env: Record<string, string>;
  /** When the client gives up: milliseconds on the system monotonic clock (core/deadline.ts systemMonotonicMs). */
  deadline: number;
}

export interface AgentReply {
  code: number;
  stdout: string;
  stderr: string;
}

/** The variables of fence_havoc's environment that the resident agent must honour. */
export const FORWARDED_ENV = [
  'HAVOC_INVENTORY',
  'HAVOC_LAB_NAME',
  'HAVOC_LAB_DIR',
  'HAVOC_FENCE_SNAPSHOT',
] as const;

/**
 * Hands a request to the resident agent. Undefined when none listens (the
 * caller then does the work itself). Once the request was sent, a missing
 * answer is a failure, never a reason to run the operation a second time;
 * at the request's deadline the connection is closed, which tells the agent
 * to abandon the work.
 */
export async function askAgent(
  socket: string,
  request: AgentRequest,
  connectTimeoutMs = 500,
): Promise<AgentReply | undefined> {
  if (!existsSync(socket)) return undefined;
  const { createConnection } = await import('node:net');
  return new Promise((resolve) => {
    let sent = false;
    let late = false;
    let answer = '';
    const conn = createConnection(socket);
    const connectTimer = setTimeout(() => conn.destroy(), connectTimeoutMs);
    const deadlineTimer = setTimeout(
      () => {
        late = true;
        conn.destroy();
      },
      Math.max(0, request.deadline - systemMonotonicMs()),
    );
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
      clearTimeout(deadlineTimer);
      if (!sent) return resolve(undefined);
      const fail = (why: string) => resolve({ code: 1, stdout: '', stderr: `Failed: ${why}\n` });
      if (late) {
        return fail(
          `the resident fence agent at ${socket} did not answer by the deadline; the connection was closed, which makes it abandon the request`,
        );
      }
      try {
        resolve(JSON.parse(answer) as AgentReply);
      } catch {
        fail(`the resident fence agent at ${socket} ended without an answer`);
      }
    };
    conn.on('error', () => undefined);
    conn.on('close', finish);
  });
}
