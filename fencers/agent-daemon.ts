import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { systemMonotonicMs } from '../core/deadline.js';
import { errorMessage, TimeoutError } from '../core/errors.js';
import { type AgentCall, type AgentReply, callOf, parseAgentRequest, replyLine } from './agent-protocol.js';

/*
 * A resident fence_havoc. Pacemaker starts a fence agent as a new process for
 * every operation, monitors included; a Node process then spends most of its
 * time starting and loading the inventory schema before it speaks to a BMC.
 * `havoc fence-agent serve` keeps one warm process per node; the fence_havoc
 * wrapper hands it the request over a root-only unix socket (agent-handoff.py,
 * without starting Node) and runs fence_havoc itself when no agent listens.
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
export type AgentEvent = { id: number; call: AgentCall } & (
  | { kind: 'request'; remainingMs: number }
  | { kind: 'abandoned'; reason: string }
  | { kind: 'answered'; code: number }
);

const failure = (message: string) => replyLine({ code: 1, stdout: '', stderr: `Failed: ${message}\n` });

/**
 * Listens on `socket` (mode 0600) and answers each connection's one request
 * with `handle`. One JSON line in, one JSON line out.
 */
export async function serveAgent(
  socket: string,
  handle: (call: AgentCall, signal: AbortSignal) => Promise<AgentReply>,
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
      const request = parseAgentRequest(buffered.slice(0, newline));
      if (!request) {
        conn.end(failure('malformed request to the fence agent (from an older fence_havoc wrapper?)'));
        return;
      }
      const call = callOf(request);
      const id = ++received;
      const remainingMs = call.deadline - systemMonotonicMs();
      events({ id, kind: 'request', call, remainingMs });
      if (remainingMs <= 0) {
        const reason = `the request's deadline had passed ${Math.round(-remainingMs)} ms before the agent read it; nothing was done`;
        events({ id, kind: 'abandoned', call, reason });
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
        events({ id, kind: 'abandoned', call, reason: errorMessage(work.signal.reason) }),
      );
      conn.on('end', gone);
      conn.on('close', gone);
      conn.resume();
      handle(call, work.signal)
        .then((reply) => {
          served++;
          answered = true;
          events({ id, kind: 'answered', call, code: reply.code });
          conn.end(replyLine(reply));
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
