import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HavocError } from '../core/errors.js';
import { shQuote } from '../core/shell-quote.js';
import { agentMetadata } from './agent-metadata.js';
import { DEFAULT_REQUEST_TIMEOUT_S } from './agent-options.js';
import { DEFAULT_AGENT_SOCKET } from './agent-protocol.js';

/** Where pacemaker-fenced looks for fence agents (Pacemaker's STONITH_BINDIR on Debian and RHEL). */
export const STONITH_BINDIR = '/usr/sbin';

/**
 * The built fence_havoc program: the bundle (dist/fence_havoc/fence_havoc.mjs,
 * one file to load instead of a tree of modules) when `npm run build` made it
 * after the last tsc run, else dist/fencers/fence_havoc.js (a bundle older
 * than the compiled code would run stale code).
 */
export function fenceHavocProgram(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const dist = here.endsWith(join('dist', 'fencers')) ? dirname(here) : resolve(here, '..', 'dist');
  const built = join(dist, 'fencers', 'fence_havoc.js');
  if (!existsSync(built)) {
    throw new HavocError('environment', `fence_havoc is not built (${built} is missing)`, {
      hint: 'run `npm run build`',
    });
  }
  const bundle = join(dist, 'fence_havoc', 'fence_havoc.mjs');
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(built).mtimeMs) return bundle;
  return built;
}

/** The hand-off to a resident agent, next to the program (the build puts it beside both). */
export const HANDOFF_SCRIPT = 'agent-handoff.py';

/**
 * Debian's and RHEL's python3, which every node with fence-agents has (they
 * are Python). A python3 found on root's PATH may be a shim (pyenv) that costs
 * more than the hand-off saves.
 */
export function systemPython(): string | undefined {
  return ['/usr/bin/python3', '/usr/libexec/platform-python'].find((p) => existsSync(p));
}

/**
 * A wrapper script for STONITH_BINDIR: pacemaker-fenced only runs agents
 * named fence_* from there, and it runs them with a minimal environment, so
 * node and the inventory are named explicitly.
 *
 * The metadata action is answered by the shell itself (printf is a builtin):
 * Pacemaker 2.1.5 to 2.1.9 loses the exit of an agent's metadata run when it
 * ends while the controller runs another agent synchronously (ClusterLabs
 * pacemaker ea77f7818f, fixed in 2.1.10), and the resource action waiting for
 * that metadata then never starts: a fence device stays Stopped for its
 * timeout plus cluster-delay. A run of Node (over 100 ms) made that window
 * wide; a shell that only prints leaves almost none.
 *
 * When a resident agent's socket is there, python3 hands the request over
 * (agent-handoff.py) and Node does not start at all; otherwise, or without
 * python3, Node runs fence_havoc. Options on stdin are read once here and
 * handed on as they came.
 */
export function fenceHavocWrapper(
  program: string,
  opts: {
    inventory?: string | undefined;
    snapshot?: string | undefined;
    node?: string;
    python?: string | undefined;
  } = {},
): string {
  const env = [
    ...(opts.inventory ? [`HAVOC_INVENTORY=${shQuote(opts.inventory)}`] : []),
    ...(opts.snapshot ? [`HAVOC_FENCE_SNAPSHOT=${shQuote(opts.snapshot)}`] : []),
  ];
  const node = shQuote(opts.node ?? process.execPath);
  const python = 'python' in opts ? opts.python : systemPython();
  const handoff = join(dirname(program), HANDOFF_SCRIPT);
  // The options as they came: stdin read above (a here-document hands it on verbatim), or the command line.
  const run = (command: string) =>
    `  exec ${command} "$@"${' <<FENCE_HAVOC_OPTIONS\n$options\nFENCE_HAVOC_OPTIONS'}`;
  const lines = [
    '#!/bin/sh',
    '# fence_havoc: written by `havoc fence-agent install`',
    ...(env.length > 0 ? [`export ${env.join(' ')}`] : []),
    `metadata() { printf '%s' ${shQuote(agentMetadata())}; exit 0; }`,
    'options=',
    'if [ $# -eq 0 ] && [ ! -t 0 ]; then',
    // Read with builtins only (no cat): the metadata answer must not start a process.
    '  while IFS= read -r line || [ -n "$line" ]; do',
    '    options="$options$line',
    '"',
    `    key=\${line#"\${line%%[![:space:]]*}"}`,
    `    key=\${key%"\${key##*[![:space:]]}"}`,
    '    case $key in action=metadata | option=metadata) metadata ;; esac',
    '  done',
    `  options=\${options%'`,
    "'}",
    'fi',
    'previous=',
    'for arg in "$@"; do',
    '  case "$previous $arg" in "-o metadata" | "--action metadata" | "--option metadata") metadata ;; esac',
    '  case $arg in --action=metadata | --option=metadata) metadata ;; esac',
    '  previous=$arg',
    'done',
  ];
  if (python && existsSync(handoff)) {
    lines.push(
      `socket="\${HAVOC_FENCE_AGENT_SOCKET:-${DEFAULT_AGENT_SOCKET}}"`,
      'if [ -S "$socket" ]; then',
      run(
        `${shQuote(python)} -I -S ${shQuote(handoff)} "$socket" ${DEFAULT_REQUEST_TIMEOUT_S} ${node} ${shQuote(program)}`,
      ),
      'fi',
    );
  }
  lines.push(run(`${node} ${shQuote(program)}`).trimStart(), '');
  return lines.join('\n');
}

export function installFenceHavoc(
  path: string,
  opts: { inventory?: string | undefined; snapshot?: string | undefined } = {},
): string {
  const script = fenceHavocWrapper(fenceHavocProgram(), opts);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return path;
}
