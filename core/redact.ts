import { HavocError } from './errors.js';

/**
 * Secrets shorter than this are refused, not registered: hiding every "on" or
 * "12" in the output would mangle ordinary text, and silently not hiding a
 * short secret would be a leak nobody sees (inventory/secrets.ts refuses them
 * at load with the YAML path).
 */
export const MIN_SECRET_LENGTH = 4;

const REDACTED = '[redacted]';

/** The text JSON.stringify puts between the quotes for `s`. */
function jsonEscaped(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/**
 * Every form a secret can take in what havoc prints: as is, escaped once in a
 * JSON string (a log line, `--json` output), and escaped twice (a JSON
 * document quoted inside a log line, e.g. a request body in an error message
 * or a `%j` interpolation). JSON escapes code point by code point, so a
 * secret inside a longer string is always found in its escaped form too.
 */
function encodedForms(secret: string): string[] {
  const once = jsonEscaped(secret);
  return [...new Set([secret, once, jsonEscaped(once)])];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A set of secret values that must never reach a terminal, a log, a report or
 * an argument list. Secrets are registered when they are resolved (inventory
 * secrets) or received (BMC and XAPI session tokens), so anything printed
 * afterwards can be scrubbed without knowing where the secret came from.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;

  /** Registers a secret; throws for one shorter than MIN_SECRET_LENGTH, which could not be hidden. */
  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new HavocError(
        'secret',
        `a secret of ${secret.length} character${secret.length === 1 ? '' : 's'} cannot be hidden from havoc's output`,
        { hint: `use a secret of at least ${MIN_SECRET_LENGTH} characters` },
      );
    }
    if (this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    this.#pattern = undefined;
  }

  /**
   * Unregisters a secret that stopped being one (a session token after its
   * logout), so a long-running exporter that logs in on every scrape does not
   * collect them forever.
   */
  forget(secret: string): void {
    if (this.#secrets.delete(secret)) this.#pattern = undefined;
  }

  get size(): number {
    return this.#secrets.size;
  }

  redact(text: string): string {
    if (this.#secrets.size === 0) return text;
    this.#pattern ??= this.#compile();
    return text.replace(this.#pattern, REDACTED);
  }

  /**
   * Deep-redacts a value before it is serialised: strings inside objects and
   * arrays, and errors (message, stack, cause, aggregated errors and their
   * own fields) as plain objects, since JSON.stringify drops an Error's
   * message and stack.
   */
  redactValue<T>(value: T): T {
    return this.#redactValue(value, new WeakSet()) as T;
  }

  #redactValue(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (!value || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value)) return value;
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((v) => this.#redactValue(v, seen));
    const out: Record<string, unknown> = {};
    if (value instanceof Error) {
      out['type'] = value.constructor.name;
      out['message'] = value.message;
      if (value.stack !== undefined) out['stack'] = value.stack;
      if (value.cause !== undefined) out['cause'] = value.cause;
      if (value instanceof AggregateError) out['errors'] = value.errors;
    }
    for (const [k, v] of Object.entries(value)) out[k] = v;
    for (const [k, v] of Object.entries(out)) out[k] = this.#redactValue(v, seen);
    return out;
  }

  #compile(): RegExp {
    const forms = [...this.#secrets].flatMap(encodedForms);
    // Longest first, so a secret that contains another is removed whole.
    forms.sort((a, b) => b.length - a.length);
    return new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  }
}
