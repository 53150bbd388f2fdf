/**
 * QMP wire format (qemu docs/interop/qmp-spec): JSON objects, one per line,
 * terminated by CRLF from QEMU. A JSON text cannot hold a raw newline, so
 * splitting on '\n' is exact. Pure functions: no sockets here.
 */

export interface QmpGreeting {
  kind: 'greeting';
  version: { qemu: { major: number; minor: number; micro: number }; package: string };
  capabilities: string[];
}

export interface QmpReturn {
  kind: 'return';
  id: unknown;
  value: unknown;
}

export interface QmpErrorReply {
  kind: 'error';
  id: unknown;
  errorClass: string;
  desc: string;
}

export interface QmpEvent {
  kind: 'event';
  event: string;
  data: Record<string, unknown>;
  /** QEMU's wall-clock stamp; for display only. */
  timestamp: { seconds: number; microseconds: number };
}

export type QmpMessage = QmpGreeting | QmpReturn | QmpErrorReply | QmpEvent;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Classifies one decoded JSON value; throws naming what the message lacks. */
export function classifyMessage(value: unknown): QmpMessage {
  if (!isObject(value))
    throw new Error(`QMP message is not a JSON object: ${JSON.stringify(value).slice(0, 200)}`);
  if (isObject(value['QMP'])) {
    const qmp = value['QMP'];
    const version = qmp['version'] as QmpGreeting['version'];
    if (!isObject(version) || !isObject(version.qemu)) throw new Error('QMP greeting has no version.qemu');
    const capabilities = Array.isArray(qmp['capabilities']) ? qmp['capabilities'].map(String) : [];
    return { kind: 'greeting', version, capabilities };
  }
  if ('return' in value) return { kind: 'return', id: value['id'], value: value['return'] };
  if (isObject(value['error'])) {
    const error = value['error'];
    return {
      kind: 'error',
      id: value['id'],
      errorClass: String(error['class'] ?? 'GenericError'),
      desc: String(error['desc'] ?? ''),
    };
  }
  if (typeof value['event'] === 'string') {
    const ts = isObject(value['timestamp']) ? value['timestamp'] : {};
    return {
      kind: 'event',
      event: value['event'],
      data: isObject(value['data']) ? value['data'] : {},
      timestamp: { seconds: Number(ts['seconds'] ?? 0), microseconds: Number(ts['microseconds'] ?? 0) },
    };
  }
  throw new Error(
    `QMP message is neither greeting, return, error nor event: ${JSON.stringify(value).slice(0, 200)}`,
  );
}

/**
 * Splits a byte stream into QMP messages. Keeps the partial tail between
 * chunks; a line that is not JSON is an error carrying the line, since a
 * desynchronised stream cannot be recovered.
 */
export class QmpDecoder {
  #pending = '';
  readonly #maxLine: number;

  constructor(maxLine = 16 * 1024 * 1024) {
    this.#maxLine = maxLine;
  }

  push(chunk: string | Uint8Array): QmpMessage[] {
    this.#pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const out: QmpMessage[] = [];
    let newline = this.#pending.indexOf('\n');
    while (newline >= 0) {
      const line = this.#pending.slice(0, newline).trim();
      this.#pending = this.#pending.slice(newline + 1);
      if (line !== '') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          throw new Error(`QMP peer sent a line that is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
        }
        out.push(classifyMessage(parsed));
      }
      newline = this.#pending.indexOf('\n');
    }
    if (this.#pending.length > this.#maxLine) {
      throw new Error(`QMP peer sent more than ${this.#maxLine} bytes without a line end`);
    }
    return out;
  }

  /** Bytes received after the last complete line (normally none). */
  get pendingLength(): number {
    return this.#pending.length;
  }
}

/** One command line as sent to QEMU. */
export function encodeCommand(
  execute: string,
  args: Record<string, unknown> | undefined,
  id: string,
): string {
  if (!/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(execute))
    throw new Error(`not a QMP command name: ${JSON.stringify(execute)}`);
  return `${JSON.stringify(args === undefined ? { execute, id } : { execute, arguments: args, id })}\n`;
}
