#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { abortableSleep, deadlineSignal } from '../core/deadline.js';
import { errorMessage } from '../core/errors.js';
import { Redactor } from '../core/redact.js';
import { resolveInventoryPath } from '../inventory/default-inventory.js';
import type { LoadedInventory } from '../inventory/load.js';
import { agentMetadata } from './agent-metadata.js';
import { type AgentOptions, invocationOptions, requestTimeoutMs } from './agent-options.js';
import type { FenceAction } from './result.js';

/** fence-agents exit codes: 0 success (status: on), 1 failure, 2 status off. */
const EC = { ok: 0, fail: 1, off: 2 } as const;

export interface AgentIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/**
 * Runs one fence-agent invocation; returns the exit code. Nothing reaches a
 * device after `signal` aborts (the invocation's deadline, or the resident
 * agent's client went away).
 */
export async function runAgent(
  opts: AgentOptions,
  io: AgentIo,
  signal: AbortSignal = deadlineSignal(requestTimeoutMs(opts), `fence_havoc ${opts.action}`),
): Promise<number> {
  const redactor = new Redactor();
  const say = (stream: NodeJS.WritableStream, line: string) => stream.write(`${redactor.redact(line)}\n`);
  const fail = (message: string) => {
    say(io.stderr, `Failed: ${message}`);
    return EC.fail;
  };
  if (opts.action === 'metadata') {
    io.stdout.write(agentMetadata());
    return EC.ok;
  }
  // Pacemaker starts this program for every operation, including frequent
  // monitors: load the schema, logger and fencing code only when needed.
  const [
    { loadAgentInventory },
    { hostByName },
    { closeFenceContext, createFenceContext },
    { describeFenceResult },
    { fenceHost },
  ] = await Promise.all([
    import('./agent-inventory.js'),
    import('../inventory/topology.js'),
    import('./context.js'),
    import('./describe-result.js'),
    import('./fence-host.js'),
  ]);
  // Nothing below logs unless verbose: the logger (pino) is loaded only then.
  const log = opts.verbose
    ? (await import('../core/log.js')).createLogger('debug', redactor, io.stderr)
    : undefined;
  for (const key of opts.unknown) log?.debug({ key }, 'ignoring an option fence_havoc does not use');

  let loaded: LoadedInventory;
  let path: string;
  try {
    path = resolveInventoryPath({ inventory: opts.inventory }, io.env);
  } catch (err) {
    return fail(errorMessage(err));
  }
  if (!existsSync(path)) return fail(`inventory ${path} does not exist (set inventory= or $HAVOC_INVENTORY)`);
  try {
    const found = await loadAgentInventory(path, redactor, io.env, (line) => say(io.stderr, line));
    loaded = found.loaded;
    if (opts.verbose)
      say(
        io.stderr,
        found.from === 'snapshot'
          ? `inventory ${path}, from the snapshot ${io.env.HAVOC_FENCE_SNAPSHOT} (validated by fence-agent install)`
          : `inventory ${path}, loaded and validated`,
      );
  } catch (err) {
    return fail(errorMessage(err));
  }
  const inv = loaded.inventory;
  const fenceable = inv.hosts.filter((h) => h.fencing.levels.length > 0);

  if (opts.action === 'list' || opts.action === 'list-status') {
    for (const host of fenceable) say(io.stdout, `${host.name},${host.address}`);
    return EC.ok;
  }
  const host = opts.plug === undefined ? undefined : hostByName(inv, opts.plug);
  if (opts.plug !== undefined && !host) {
    return fail(`no host "${opts.plug}" in ${path} (hosts: ${inv.hosts.map((h) => h.name).join(', ')})`);
  }
  const level = opts.level === undefined ? undefined : Number(opts.level);
  if (level !== undefined && !Number.isInteger(level))
    return fail(`level must be a whole number, not "${opts.level}"`);
  const method = opts.method ?? 'onoff';
  if (method !== 'onoff' && method !== 'cycle') return fail(`method must be onoff or cycle, not "${method}"`);
  const timeout = opts.powerTimeout === undefined ? undefined : Number(opts.powerTimeout);
  if (timeout !== undefined && !(timeout > 0))
    return fail(`power_timeout must be seconds > 0, not "${opts.powerTimeout}"`);
  const delay = opts.delay === undefined ? 0 : Number(opts.delay);
  if (!(delay >= 0)) return fail(`delay must be seconds >= 0, not "${opts.delay}"`);

  if (opts.action === 'validate-all') return EC.ok;

  const ctx = createFenceContext(loaded, log, timeout === undefined ? undefined : timeout * 1000);
  try {
    const fenceOpts = { method, signal, ...(level !== undefined ? { level } : {}) } as const;

    if (opts.action === 'monitor') {
      const targets = host ? [host] : fenceable;
      const results = await Promise.all(
        targets.map((h) =>
          fenceHost(h, 'monitor', ctx, fenceOpts).catch((err) => ({
            ok: false,
            host: h.name,
            error: errorMessage(err),
          })),
        ),
      );
      for (const r of results.filter((r) => !r.ok))
        say(io.stderr, `monitor ${r.host}: ${r.error ?? 'failed'}`);
      return results.every((r) => r.ok) ? EC.ok : EC.fail;
    }

    const actions: Record<string, FenceAction> = {
      on: 'on',
      off: 'off',
      reboot: 'reboot',
      status: 'status',
      enable: 'on',
      disable: 'off',
    };
    const action = actions[opts.action];
    if (!action)
      return fail(
        `unknown action "${opts.action}" (on, off, reboot, status, monitor, list, metadata, validate-all)`,
      );
    if (!host) return fail(`action ${action} needs plug= (or port=): the host name in the inventory`);

    try {
      if ((action === 'off' || action === 'reboot') && delay > 0) await abortableSleep(delay * 1000, signal);
      const result = await fenceHost(host, action, ctx, fenceOpts);
      if (opts.verbose) for (const line of describeFenceResult(result)) say(io.stderr, line);
      if (action === 'status') {
        if (!result.ok) return fail(result.error ?? 'status unknown');
        say(io.stdout, `Status: ${result.state === 'off' ? 'OFF' : 'ON'}`);
        return result.state === 'off' ? EC.off : EC.ok;
      }
      if (!result.ok) return fail(result.error ?? `${action} failed`);
      for (const warning of result.warnings) say(io.stderr, `Warning: ${warning}`);
      say(io.stdout, action === 'reboot' ? 'Success: Rebooted' : `Success: Powered ${action.toUpperCase()}`);
      return EC.ok;
    } catch (err) {
      return fail(errorMessage(err));
    }
  } finally {
    closeFenceContext(ctx);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const stdin = argv.length > 0 || process.stdin.isTTY ? '' : await text(process.stdin);
  const opts = invocationOptions(argv, stdin);
  // A resident agent, when one listens, is reached by the wrapper before Node starts (agent-handoff.py).
  const timeoutMs = requestTimeoutMs(opts);
  const signal = deadlineSignal(timeoutMs, `fence_havoc ${opts.action} (${timeoutMs} ms)`);
  process.exitCode = await runAgent(
    opts,
    { stdout: process.stdout, stderr: process.stderr, env: process.env },
    signal,
  );
}

// Only as a program, not when a test imports runAgent.
if (process.argv[1] && /fence_havoc(\.m?[jt]s)?$/.test(process.argv[1])) await main();
