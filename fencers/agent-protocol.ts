import { resolve } from 'node:path';
import { type AgentOptions, invocationOptions } from './agent-options.js';

/*
 * The resident fence agent's protocol (agent-daemon.ts): one JSON line in,
 * one JSON line out, over a root-only unix socket. The client is
 * agent-handoff.py, which the fence_havoc wrapper runs instead of Node when
 * an agent listens: it sends the invocation as it came and leaves every
 * option to the agent, which parses it exactly as fence_havoc would.
 */

export const DEFAULT_AGENT_SOCKET = '/run/havoc/fence-agent.sock';

/** One fence_havoc invocation, as the client received it. */
export interface AgentRequest {
  /** The command line after the program name. */
  argv: string[];
  /** The options on stdin (fence-agents' key=value lines) when there was no command line, else ''. */
  stdin: string;
  /** The client's working directory: relative paths in the options and the environment are from there. */
  cwd: string;
  /** The client's HAVOC_* environment; the agent keeps the FORWARDED_ENV ones. */
  env: Record<string, string>;
  /** When the client gives up: milliseconds on the system monotonic clock (core/deadline.ts systemMonotonicMs). */
  deadline: number;
}

export interface AgentReply {
  code: number;
  stdout: string;
  stderr: string;
}

/** The answer as one line, its keys in this order: agent-handoff.py reads it without a JSON parser. */
export function replyLine(reply: AgentReply): string {
  return `${JSON.stringify({ code: reply.code, stdout: reply.stdout, stderr: reply.stderr })}\n`;
}

/** What one request asks the agent to run: runAgent's options and environment. */
export interface AgentCall {
  opts: AgentOptions;
  env: Record<string, string>;
  deadline: number;
}

/** The variables of fence_havoc's environment that the resident agent must honour. */
export const FORWARDED_ENV = [
  'HAVOC_INVENTORY',
  'HAVOC_LAB_NAME',
  'HAVOC_LAB_DIR',
  'HAVOC_FENCE_SNAPSHOT',
] as const;

/** The request as fence_havoc itself would have read it, in the client's working directory. */
export function callOf(request: AgentRequest): AgentCall {
  const opts = invocationOptions(request.argv, request.stdin);
  if (opts.inventory) opts.inventory = resolve(request.cwd, opts.inventory);
  const env = Object.fromEntries(
    FORWARDED_ENV.flatMap((k) => {
      const v = request.env[k];
      return v ? [[k, k === 'HAVOC_LAB_NAME' ? v : resolve(request.cwd, v)]] : [];
    }),
  );
  return { opts, env, deadline: request.deadline };
}

/** A request line, or undefined when it is not one (an older or foreign client). */
export function parseAgentRequest(line: string): AgentRequest | undefined {
  try {
    const r = JSON.parse(line) as Partial<AgentRequest> | null;
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
    const env = r?.env;
    if (
      !r ||
      !strings(r.argv) ||
      typeof r.stdin !== 'string' ||
      typeof r.cwd !== 'string' ||
      typeof r.deadline !== 'number' ||
      typeof env !== 'object' ||
      env === null ||
      !Object.values(env).every((v) => typeof v === 'string')
    )
      return undefined;
    return { argv: r.argv, stdin: r.stdin, cwd: r.cwd, env, deadline: r.deadline };
  } catch {
    return undefined;
  }
}
