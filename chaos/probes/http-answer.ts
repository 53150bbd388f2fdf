import type { ProbeConfig } from '../../inventory/schema.js';
import { parseGuestStatus } from '../../protocols/guest-status/guest-status.js';
import type { ProbeFields } from './sample.js';

export type HttpProbeConfig = Extract<ProbeConfig, { type: 'http' }>;

/** The request a probe sends: HTTP/1.0, so the server answers without chunking and closes. */
export function httpRequestText(config: HttpProbeConfig): string {
  return `GET ${config.path} HTTP/1.0\r\nHost: ${config.address}:${config.port}\r\nUser-Agent: havoc-probe\r\nAccept: */*\r\n\r\n`;
}

export interface HttpAnswer {
  status: number;
  body: string;
  /** The body length the headers announce, when they do. */
  contentLength?: number;
}

/** Splits a raw response into status and body; undefined until the header is complete. */
export function parseHttpAnswer(raw: string): HttpAnswer | { error: string } | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = raw.slice(0, end).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(head[0] ?? '');
  if (!status) return { error: `not an HTTP response: ${JSON.stringify((head[0] ?? '').slice(0, 80))}` };
  const lengthLine = head.find((h) => /^content-length:/i.test(h));
  const contentLength = lengthLine === undefined ? undefined : Number(lengthLine.slice(15).trim());
  return {
    status: Number(status[1]),
    body: raw.slice(end + 4),
    ...(contentLength !== undefined && Number.isSafeInteger(contentLength) ? { contentLength } : {}),
  };
}

function jsonAt(value: unknown, path: string): unknown {
  let here = value;
  for (const key of path.split('.')) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

/**
 * Judges an answer against the probe's expectations and extracts the lab
 * guest's boot id and disk counter when the body is in the guest's format.
 */
export function judgeHttpAnswer(
  answer: HttpAnswer,
  config: HttpProbeConfig,
): { ok: boolean; error?: string; fields?: ProbeFields } {
  const guest = parseGuestStatus(answer.body);
  const fields = 'error' in guest ? undefined : { bootId: guest.bootId, counter: guest.counter };
  const withFields = <T extends object>(r: T) => (fields ? { ...r, fields } : r);
  if (answer.status !== config.expectStatus)
    return withFields({ ok: false, error: `HTTP ${answer.status}, expected ${config.expectStatus}` });
  if (config.bodyContains !== undefined && !answer.body.includes(config.bodyContains))
    return withFields({ ok: false, error: `body does not contain ${JSON.stringify(config.bodyContains)}` });
  if (config.jsonField) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return withFields({ ok: false, error: 'body is not JSON' });
    }
    const got = jsonAt(parsed, config.jsonField.path);
    if (got !== config.jsonField.equals) {
      return withFields({
        ok: false,
        error: `JSON ${config.jsonField.path} is ${JSON.stringify(got)}, expected ${JSON.stringify(config.jsonField.equals)}`,
      });
    }
  }
  return withFields({ ok: true });
}
