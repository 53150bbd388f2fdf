/**
 * A set of secret values that must never reach a terminal, a log, a report or
 * an argument list. Secrets are registered when they are resolved, so anything
 * printed afterwards can be scrubbed without knowing where the secret came from.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  add(secret: string): void {
    // Very short values would mangle ordinary text and are not worth hiding
    // (no BMC accepts a 1-3 character password); they are still registered in
    // full form in case they appear inside a longer token.
    if (secret.length > 0) this.#secrets.add(secret);
  }

  get size(): number {
    return this.#secrets.size;
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is removed whole.
    const ordered = [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const secret of ordered) {
      if (secret.length < 4) continue;
      out = out.split(secret).join('[redacted]');
    }
    return out;
  }

  /** Deep-redacts any JSON-like value (strings inside objects and arrays). */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactValue(v);
      return out as T;
    }
    return value;
  }
}
