/**
 * Options of the fence-agents interface (doc/FenceAgentAPI.md): `key=value`
 * lines on stdin, as pacemaker-fenced sends them, or long options on the
 * command line, as a person types them. Unknown keys are kept and warned
 * about, never fatal: Pacemaker passes its own pcmk_* and meta keys too.
 */
export interface AgentOptions {
  action: string;
  plug?: string;
  inventory?: string;
  level?: string;
  method?: string;
  powerTimeout?: string;
  delay?: string;
  verbose: boolean;
  unknown: string[];
}

/** Alias -> canonical key (fence-agents names and their getopt letters). */
const KEYS: Record<string, keyof AgentOptions> = {
  action: 'action',
  o: 'action',
  option: 'action',
  plug: 'plug',
  port: 'plug',
  n: 'plug',
  nodename: 'plug',
  inventory: 'inventory',
  level: 'level',
  method: 'method',
  m: 'method',
  power_timeout: 'powerTimeout',
  'power-timeout': 'powerTimeout',
  delay: 'delay',
  verbose: 'verbose',
  v: 'verbose',
};

const TRUE = new Set(['1', 'yes', 'on', 'true']);

function apply(opts: AgentOptions, rawKey: string, value: string, explicitPlug: { set: boolean }): void {
  const key = KEYS[rawKey];
  if (key === undefined) {
    opts.unknown.push(rawKey);
    return;
  }
  if (key === 'verbose') {
    opts.verbose = value === '' || TRUE.has(value.toLowerCase());
    return;
  }
  if (key === 'plug') {
    // nodename= is only the fallback: Pacemaker maps node names to plugs through pcmk_host_map.
    if (rawKey === 'nodename' && explicitPlug.set) return;
    if (rawKey !== 'nodename') explicitPlug.set = true;
  }
  (opts as unknown as Record<string, string>)[key] = value;
}

export function parseStdinOptions(text: string): AgentOptions {
  const opts: AgentOptions = { action: 'reboot', verbose: false, unknown: [] };
  const explicitPlug = { set: false };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) {
      opts.unknown.push(line);
      continue;
    }
    apply(opts, line.slice(0, eq).trim(), line.slice(eq + 1).trim(), explicitPlug);
  }
  return opts;
}

export function parseArgvOptions(argv: readonly string[]): AgentOptions {
  const opts: AgentOptions = { action: 'reboot', verbose: false, unknown: [] };
  const explicitPlug = { set: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let key: string;
    let value: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      value = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith('-') && arg.length === 2) {
      key = arg.slice(1);
    } else {
      opts.unknown.push(arg);
      continue;
    }
    const canonical = KEYS[key];
    if (canonical === 'verbose') {
      opts.verbose = true;
      continue;
    }
    if (value === undefined && canonical !== undefined) value = argv[++i] ?? '';
    apply(opts, key, value ?? '', explicitPlug);
  }
  return opts;
}

/** The options of one invocation: its command line, or, without one, its stdin (as Pacemaker passes them). */
export function invocationOptions(argv: readonly string[], stdin: string): AgentOptions {
  return argv.length > 0 ? parseArgvOptions(argv) : parseStdinOptions(stdin);
}

/**
 * Seconds one invocation may take when power_timeout is not given: Pacemaker's
 * default stonith-timeout, after which it kills the agent anyway.
 */
export const DEFAULT_REQUEST_TIMEOUT_S = 60;

/**
 * The deadline of one invocation, handed to the resident agent with the
 * request and enforced by fence_havoc on its own work too: power_timeout
 * (fence-agents' option, also each device's deadline) or the default.
 * An invalid value falls back to the default here; runAgent rejects it.
 */
export function requestTimeoutMs(opts: AgentOptions): number {
  const seconds = Number(opts.powerTimeout);
  return (opts.powerTimeout !== undefined && seconds > 0 ? seconds : DEFAULT_REQUEST_TIMEOUT_S) * 1000;
}
