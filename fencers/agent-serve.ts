import { type AgentEvent, type AgentServer, serveAgent } from './agent-daemon.js';
import type { AgentCall, AgentReply } from './agent-protocol.js';
import { runAgent } from './fence_havoc.js';

/** A writable that keeps what is written, for one request's stdout or stderr. */
function collector(): { stream: NodeJS.WritableStream; text(): string } {
  let text = '';
  const stream = {
    write(chunk: string | Uint8Array) {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}

/**
 * The resident fence agent: every request runs exactly what fence_havoc would
 * run itself, in this warm process. `defaultInventory` answers requests that
 * name none (the `-i` the agent was started with).
 */
export function serveFenceAgent(
  socket: string,
  baseEnv: NodeJS.ProcessEnv,
  defaultInventory?: string,
  events?: (event: AgentEvent) => void,
): Promise<AgentServer> {
  return serveAgent(
    socket,
    async (call: AgentCall, signal: AbortSignal): Promise<AgentReply> => {
      const stdout = collector();
      const stderr = collector();
      const env = {
        ...baseEnv,
        ...(defaultInventory ? { HAVOC_INVENTORY: defaultInventory } : {}),
        ...call.env,
      };
      const code = await runAgent(call.opts, { stdout: stdout.stream, stderr: stderr.stream, env }, signal);
      return { code, stdout: stdout.text(), stderr: stderr.text() };
    },
    events,
  );
}
