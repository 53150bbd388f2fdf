import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { HavocError } from '../../core/errors.js';

/**
 * One keep-alive HTTP(S) connection pool to one peer (a BMC, a pool master),
 * with TLS verified unless the inventory explicitly says otherwise. Every
 * request takes an AbortSignal; an abort destroys the socket at once, so a
 * peer that stops answering mid-response cannot hold a fencing operation or a
 * scrape past its deadline. Shared by the Redfish, CIMC and XAPI clients.
 */

export interface TlsOptions {
  /** PEM file of the CA that signed the peer's certificate; replaces the system roots. */
  caFile?: string | undefined;
  /** Skip certificate verification. Only ever set from an explicit inventory flag. */
  insecureTls?: boolean | undefined;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** Absolute URL, or a path resolved against the transport's base URL. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

// A peer's answers are JSON or XML documents of a few KiB to a few hundred (XAPI's
// records of a large pool); anything bigger is not something havoc asked for and
// is cut off rather than buffered.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export class HttpTransport {
  readonly base: URL;
  readonly #target: string;
  readonly #tls: TlsOptions;
  #agent: http.Agent | undefined;
  #agentPromise: Promise<http.Agent> | undefined;

  /** `target` names the peer in errors, e.g. "Redfish BMC of host2 (https://10.0.0.5, user admin)". */
  constructor(baseUrl: string, target: string, tls: TlsOptions = {}) {
    if (!URL.canParse(baseUrl)) {
      throw new HavocError('config', `${target}: "${baseUrl}" is not a URL`, {
        target,
        hint: 'write it as https://address[:port]',
      });
    }
    this.base = new URL(baseUrl);
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') {
      throw new HavocError('config', `${target}: URL ${baseUrl} must start with https:// or http://`, {
        target,
      });
    }
    this.#target = target;
    this.#tls = tls;
  }

  get target(): string {
    return this.#target;
  }

  async request(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    signal.throwIfAborted();
    const url = new URL(req.url, this.base);
    if (url.origin !== this.base.origin) {
      // A peer-supplied link (session Location, action target) must not send
      // our credentials to another host.
      throw new HavocError(
        'protocol',
        `${this.#target} pointed havoc at ${url.origin}, outside ${this.base.origin}`,
        {
          target: this.#target,
          hint: 'check the URL in the inventory',
        },
      );
    }
    const agent = await this.#getAgent();
    signal.throwIfAborted();
    return await new Promise<HttpResponse>((resolve, reject) => {
      const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
      const headers: Record<string, string> = { ...req.headers };
      if (body) headers['content-length'] = String(body.length);
      const send = url.protocol === 'https:' ? https.request : http.request;
      const clientRequest = send(url, { method: req.method, headers, agent });
      const onAbort = () => {
        clientRequest.destroy();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal.removeEventListener('abort', onAbort);
      clientRequest.on('error', (err: NodeJS.ErrnoException) => {
        settle();
        if (signal.aborted) reject(signal.reason);
        else reject(this.#networkError(err, req.method, url));
      });
      clientRequest.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            res.destroy();
            settle();
            reject(
              new HavocError(
                'protocol',
                `${this.#target} sent more than ${MAX_BODY_BYTES} bytes for ${req.method} ${url.pathname}`,
                {
                  target: this.#target,
                },
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          settle();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', (err: NodeJS.ErrnoException) => {
          settle();
          if (signal.aborted) reject(signal.reason);
          else reject(this.#networkError(err, req.method, url));
        });
      });
      clientRequest.end(body);
    });
  }

  /** Closes pooled sockets. Requests after this open new ones. */
  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
    this.#agentPromise = undefined;
  }

  #getAgent(): Promise<http.Agent> {
    if (this.#agent) return Promise.resolve(this.#agent);
    this.#agentPromise ??= this.#createAgent().then((agent) => {
      this.#agent = agent;
      return agent;
    });
    const pending = this.#agentPromise;
    // A failed CA read must not be cached: the next call reports it again.
    pending.catch(() => {
      if (this.#agentPromise === pending) this.#agentPromise = undefined;
    });
    return pending;
  }

  async #createAgent(): Promise<http.Agent> {
    if (this.base.protocol === 'http:') return new http.Agent({ keepAlive: true, maxSockets: 2 });
    let ca: Buffer | undefined;
    if (this.#tls.caFile !== undefined && !this.#tls.insecureTls) {
      try {
        ca = await readFile(this.#tls.caFile);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        throw new HavocError('config', `${this.#target}: cannot read caFile ${this.#tls.caFile} (${code})`, {
          target: this.#target,
          hint: 'point caFile at the PEM file of the CA that signed its certificate',
        });
      }
    }
    return new https.Agent({
      keepAlive: true,
      maxSockets: 2,
      rejectUnauthorized: !this.#tls.insecureTls,
      ...(ca ? { ca } : {}),
    });
  }

  #networkError(err: NodeJS.ErrnoException, method: string, url: URL): HavocError {
    const where = `${method} ${url.origin}${url.pathname}`;
    const code = err.code ?? '';
    if (TLS_VERIFY_CODES.has(code)) {
      return new HavocError(
        'tls',
        `${this.#target}: TLS certificate not trusted (${code}: ${err.message}) on ${where}`,
        {
          target: this.#target,
          hint: this.#tls.caFile
            ? `the certificate is not signed by the CA in ${this.#tls.caFile}, or does not name ${url.hostname}`
            : 'set caFile to the PEM file of the CA that signed its certificate (or, knowingly, insecureTls: true)',
          cause: err,
        },
      );
    }
    const reason =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ECONNRESET'
          ? 'connection reset'
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
            ? 'host unreachable'
            : code === 'ENOTFOUND'
              ? 'name not found'
              : err.message;
    return new HavocError('unreachable', `${this.#target}: ${reason} on ${where}`, {
      target: this.#target,
      hint: 'check that it is running, reachable from this machine and listening on that port',
      cause: err,
    });
  }
}
