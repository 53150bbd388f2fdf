import type { CipherSuiteId } from './cipher-suite.js';

/**
 * Which cipher suite last worked per BMC (keyed "host:port"), so the next
 * session tries it first instead of paying for a refused suite again. The
 * caller owns it (one per process, or per test), never a module global.
 */
export class CipherSuiteMemory {
  readonly #worked = new Map<string, CipherSuiteId>();

  get(host: string, port: number): CipherSuiteId | undefined {
    return this.#worked.get(key(host, port));
  }

  remember(host: string, port: number, suite: CipherSuiteId): void {
    this.#worked.set(key(host, port), suite);
  }

  forget(host: string, port: number): void {
    this.#worked.delete(key(host, port));
  }
}

function key(host: string, port: number): string {
  return `${host}:${port}`;
}
