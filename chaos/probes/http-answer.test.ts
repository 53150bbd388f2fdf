import { describe, expect, it } from 'vitest';
import { probeConfig } from '../../inventory/schema.js';
import { type HttpProbeConfig, httpRequestText, judgeHttpAnswer, parseHttpAnswer } from './http-answer.js';

const config = (extra: object = {}) =>
  probeConfig.parse({ type: 'http', address: '198.18.8.101', ...extra }) as HttpProbeConfig;

// What busybox httpd in the lab guest answers (initScript.ts serves /www/index.html).
const GUEST = [
  'HTTP/1.0 200 OK',
  'Content-type: text/html',
  'Date: Tue, 01 Dec 2026 11:00:00 GMT',
  'Connection: close',
  'Accept-Ranges: bytes',
  'Last-Modified: Tue, 01 Dec 2026 11:00:00 GMT',
  'Content-Length: 59',
  '',
  'boot_id=c7221c4a-2b38-42d9-a1a8-69b18f86a4ce counter=133\n',
].join('\r\n');

describe('http probe answers', () => {
  it('asks with HTTP/1.0 so the answer is never chunked and the server closes', () => {
    expect(httpRequestText(config({ path: '/health' }))).toBe(
      'GET /health HTTP/1.0\r\nHost: 198.18.8.101:80\r\nUser-Agent: havoc-probe\r\nAccept: */*\r\n\r\n',
    );
  });

  it('waits for the whole header, then reads status, body and Content-Length', () => {
    expect(parseHttpAnswer('HTTP/1.0 200 OK\r\nContent-Length: 59\r\n')).toBeUndefined();
    expect(parseHttpAnswer(GUEST)).toMatchObject({ status: 200, contentLength: 59 });
    expect(parseHttpAnswer('SSH-2.0-OpenSSH_9.2\r\n\r\n')).toEqual({
      error: 'not an HTTP response: "SSH-2.0-OpenSSH_9.2"',
    });
  });

  it("extracts the lab guest's boot id and disk counter", () => {
    const answer = parseHttpAnswer(GUEST);
    if (!answer || 'error' in answer) throw new Error('unparsed');
    expect(judgeHttpAnswer(answer, config())).toEqual({
      ok: true,
      fields: { bootId: 'c7221c4a-2b38-42d9-a1a8-69b18f86a4ce', counter: 133 },
    });
  });

  it('fails on an unexpected status but keeps the fields it read', () => {
    expect(judgeHttpAnswer({ status: 503, body: 'down' }, config())).toEqual({
      ok: false,
      error: 'HTTP 503, expected 200',
    });
  });

  it('checks the body text and a JSON field when asked to', () => {
    expect(judgeHttpAnswer({ status: 200, body: 'hello' }, config({ bodyContains: 'ready' }))).toMatchObject({
      ok: false,
      error: 'body does not contain "ready"',
    });
    const json = config({ jsonField: { path: 'db.state', equals: 'primary' } });
    expect(judgeHttpAnswer({ status: 200, body: '{"db":{"state":"primary"}}' }, json)).toEqual({ ok: true });
    expect(judgeHttpAnswer({ status: 200, body: '{"db":{"state":"replica"}}' }, json)).toMatchObject({
      ok: false,
      error: 'JSON db.state is "replica", expected "primary"',
    });
    expect(judgeHttpAnswer({ status: 200, body: '<html>' }, json)).toMatchObject({
      ok: false,
      error: 'body is not JSON',
    });
  });
});
