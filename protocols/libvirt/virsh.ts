import { HavocError } from '../../core/errors.js';

/** virsh's state words (virshDomainStateToString in tools/virsh-domain-monitor.c). */
export const VIRSH_DOMAIN_STATES = [
  'no state',
  'running',
  'idle',
  'paused',
  'in shutdown',
  'shut off',
  'crashed',
  'pmsuspended',
] as const;
export type VirshDomainState = (typeof VIRSH_DOMAIN_STATES)[number];

// Longest first, so "in shutdown" is not read as a name ending in "in".
const STATES_LONGEST_FIRST = [...VIRSH_DOMAIN_STATES].sort((a, b) => b.length - a.length);

export interface VirshListEntry {
  /** undefined for inactive domains ("-"). */
  id: number | undefined;
  name: string;
  state: VirshDomainState;
}

function fail(what: string, lineNo: number, line: string, expected: string): never {
  throw new HavocError(
    'virsh-parse',
    `${what} line ${lineNo}: expected ${expected}, got ${JSON.stringify(line)}`,
  );
}

function stateOf(text: string, what: string, lineNo: number, line: string): VirshDomainState {
  const found = VIRSH_DOMAIN_STATES.find((s) => s === text);
  if (!found) fail(what, lineNo, line, `a domain state (${VIRSH_DOMAIN_STATES.join(', ')})`);
  return found;
}

/** Parses the table of `virsh list` / `virsh list --all`. */
export function parseVirshList(text: string): VirshListEntry[] {
  const what = 'virsh list';
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  const header = lines[headerAt] ?? '';
  if (!/^\s*Id\s+Name\s+State\s*$/.test(header))
    fail(what, headerAt + 1, header, 'the header " Id   Name   State"');
  const rule = lines[headerAt + 1] ?? '';
  if (!/^-+$/.test(rule.trim())) fail(what, headerAt + 2, rule, 'a line of dashes under the header');
  const out: VirshListEntry[] = [];
  for (let i = headerAt + 2; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const m = /^\s*(\d+|-)\s+(.+?)\s*$/.exec(line);
    if (!m) fail(what, i + 1, line, 'a row "<id|-> <name> <state>"');
    const [, id = '', rest = ''] = m;
    const state = STATES_LONGEST_FIRST.find((s) => rest.endsWith(` ${s}`));
    if (!state) fail(what, i + 1, line, `a row ending in a domain state (${VIRSH_DOMAIN_STATES.join(', ')})`);
    out.push({ id: id === '-' ? undefined : Number(id), name: rest.slice(0, -state.length).trim(), state });
  }
  return out;
}

export interface VirshDomState {
  state: VirshDomainState;
  /** The reason virsh prints with --reason, e.g. "user", "I/O error", "migrated". */
  reason: string | undefined;
}

/** Parses `virsh domstate [--reason] <dom>`. */
export function parseVirshDomstate(text: string): VirshDomState {
  const line = text.trim();
  const what = 'virsh domstate';
  if (line.includes('\n')) fail(what, 1, line, 'one line');
  const m = /^(.+?)(?: \((.+)\))?$/.exec(line);
  if (!m) fail(what, 1, line, '"<state>" or "<state> (<reason>)"');
  return { state: stateOf(m[1] ?? '', what, 1, line), reason: m[2] };
}

/** True when the guest is frozen rather than deliberately paused; HA has to act on these. */
export function domstateIsStuck(s: VirshDomState): boolean {
  if (s.state === 'crashed') return true;
  if (s.state !== 'paused') return false;
  return ['I/O error', 'watchdog', 'crashed', 'post-copy failed', 'api error'].includes(s.reason ?? '');
}

export interface VirshDomInfo {
  id: number | undefined;
  name: string;
  uuid: string;
  osType: string | undefined;
  state: VirshDomainState;
  cpus: number | undefined;
  cpuTimeSeconds: number | undefined;
  maxMemoryBytes: number | undefined;
  usedMemoryBytes: number | undefined;
  persistent: boolean | undefined;
  autostart: boolean | undefined;
  managedSave: boolean | undefined;
  /** Lines with no typed field (security labels, newer virsh fields), verbatim. */
  extra: Record<string, string>;
}

/** Parses `virsh dominfo <dom>`. */
export function parseVirshDominfo(text: string): VirshDomInfo {
  const what = 'virsh dominfo';
  const fields = new Map<string, { value: string; lineNo: number; line: string }>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon <= 0) fail(what, i + 1, line, 'a "Key: value" line');
    fields.set(line.slice(0, colon).trim(), { value: line.slice(colon + 1).trim(), lineNo: i + 1, line });
  });
  const need = (key: string) => {
    const f = fields.get(key);
    if (!f) throw new HavocError('virsh-parse', `${what}: expected a "${key}:" line, found none`);
    return f;
  };
  const opt = (key: string) => fields.get(key);
  const num = (key: string, re: RegExp) => {
    const f = opt(key);
    if (!f) return undefined;
    const m = re.exec(f.value);
    if (!m) fail(what, f.lineNo, f.line, `"${key}" as ${re.source}`);
    return Number(m[1]);
  };
  const yesNo = (key: string, yes: string, no: string) => {
    const f = opt(key);
    if (!f) return undefined;
    if (f.value !== yes && f.value !== no) fail(what, f.lineNo, f.line, `"${key}" ${yes} or ${no}`);
    return f.value === yes;
  };
  const idField = need('Id');
  if (!/^(\d+|-)$/.test(idField.value)) fail(what, idField.lineNo, idField.line, 'Id as a number or "-"');
  const stateField = need('State');
  const kib = (key: string) => {
    const v = num(key, /^(\d+) KiB$/);
    return v === undefined ? undefined : v * 1024;
  };
  const typed = new Set([
    'Id',
    'Name',
    'UUID',
    'OS Type',
    'State',
    'CPU(s)',
    'CPU time',
    'Max memory',
    'Used memory',
    'Persistent',
    'Autostart',
    'Managed save',
  ]);
  const extra: Record<string, string> = {};
  for (const [k, v] of fields) if (!typed.has(k)) extra[k] = v.value;
  return {
    id: idField.value === '-' ? undefined : Number(idField.value),
    name: need('Name').value,
    uuid: need('UUID').value,
    osType: opt('OS Type')?.value,
    state: stateOf(stateField.value, what, stateField.lineNo, stateField.line),
    cpus: num('CPU(s)', /^(\d+)$/),
    cpuTimeSeconds: num('CPU time', /^([\d.]+)s$/),
    maxMemoryBytes: kib('Max memory'),
    usedMemoryBytes: kib('Used memory'),
    persistent: yesNo('Persistent', 'yes', 'no'),
    autostart: yesNo('Autostart', 'enable', 'disable'),
    managedSave: yesNo('Managed save', 'yes', 'no'),
    extra,
  };
}
