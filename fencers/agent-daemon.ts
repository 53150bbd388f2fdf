import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { systemMonotonicMs } from '../core/deadline.js';
import { errorMessage, TimeoutError } from '../core/errors.js';
import type { AgentReply, AgentRequest } from './agent-client.js';

/*
 * A resident fence_havoc. Pacemaker starts a fence agent as a new process for
 * every operation, monitors included; a Node process then spends most of its
 * time starting and loading the inventory schema before it speaks to a BMC.
 * `havoc fence-agent serve` keeps one warm process per node; fence_havoc hands
 * it the request over a root-only unix socket and falls back to doing the work
 * itself when no agent listens.
 *
 * A request is never acted on after its client gave up: it carries its
 * deadline (on the machine's monotonic clock, so a request that waited in a
 * stopped agent is seen as late), and the agent aborts the work the moment
 * the deadline passes or the client's connection closes (Pacemaker killed
 * fence_havoc). The abort reaches every device call and every BMC command
 * (fencers/checked-device.ts), so a hung agent that wakes up later powers
 * nothing off.
 */

const MAX_REQUEST_BYTES = 64 * 1024;

export interface AgentServer {
  socket: string;
  /** Requests answered so far. */
  served(): number;
  close(): Promise<void>;
}

/** What happened to each request, for the agent's log. */
export type AgentEvent = { id: number; request: AgentRequest } & (
  | { kind: 'request'; remainingMs: number }
  | { kind: 'abandoned'; reason: string }
  | { kind: 'answered'; code: number }
);

function parseRequest(line: string): AgentRequest | undefined {
  try {
    const request = JSON.parse(line) as Partial<AgentRequest> | null;
    if (typeof request?.deadline !== 'number' || typeof request.opts?.action !== 'string') return undefined;
    return { opts: request.opts, env: request.env ?? {}, deadline: request.deadline };
  } catch {
    return undefined;
  }
}

const failure = (message: string) =>
  `${JSON.stringify({ code: 1, stdout: '', stderr: `Failed: ${message}\n` })}\n`;

/**
 * Listens on `socket` (mode 0600) and answers each connection's one request
 * with `handle`. One JSON line in, one JSON line out.
 */
export async function serveAgent(
  socket: string,
  handle: (req: AgentRequest, signal: AbortSignal) => Promise<AgentReply>,
  events: (event: AgentEvent) => void = () => {},
): Promise<AgentServer> {
  mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
  // A socket file left by a killed agent would make listen() fail with EADDRINUSE.
  if (existsSync(socket)) rmSync(socket);
  let served = 0;
  let received = 0;
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
      const request = parseRequest(buffered.slice(0, newline));
      if (!request) {
        conn.end(failure('malformed request to the fence agent (from an older fence_havoc?)'));
        return;
      }
      const id = ++received;
      const remainingMs = request.deadline - systemMonotonicMs();
      events({ id, kind: 'request', request, remainingMs });
      if (remainingMs <= 0) {
        const reason = `the request's deadline had passed ${Math.round(-remainingMs)} ms before the agent read it; nothing was done`;
        events({ id, kind: 'abandoned', request, reason });
        conn.end(failure(reason));
        return;
      }
      const work = new AbortController();
      let answered = false;
      const deadline = setTimeout(
        () =>
          work.abort(
            new TimeoutError(
              `the request's deadline passed (${Math.round(remainingMs)} ms after the agent read it)`,
            ),
          ),
        remainingMs,
      );
      // The client holds its end open until it has the answer: an end before that means it is gone.
      const gone = () => {
        if (!answered) work.abort(new Error('the client (fence_havoc) went away before the answer'));
      };
      work.signal.addEventListener('abort', () =>
        events({ id, kind: 'abandoned', request, reason: errorMessage(work.signal.reason) }),
      );
      conn.on('end', gone);
      conn.on('close', gone);
      conn.resume();
      handle(request, work.signal)
        .then((reply) => {
          served++;
          answered = true;
          events({ id, kind: 'answered', request, code: reply.code });
          conn.end(`${JSON.stringify(reply)}\n`);
        })
        .catch((err: unknown) => {
          answered = true;
          conn.end(failure(String(err)));
        })
        .finally(() => clearTimeout(deadline));
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
