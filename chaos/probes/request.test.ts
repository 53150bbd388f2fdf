import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from './http.js';
import type { HttpProbeConfig } from './http-answer.js';
import { runProbe, runProbes } from './run-probe.js';
import type { ProbeSample } from './sample.js';
import { startExchange } from './socket-exchange.js';
import { tcpRequest } from './tcp.js';

/* One probe request against real TCP servers on loopback that answer in the ways a service can fail. */

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(onSocket: (s: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    onSocket(s);
  });
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  }) as Server['close'];
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

const http = (port: number, extra: Partial<HttpProbeConfig> = {}): HttpProbeConfig => ({
  type: 'http',
  address: '127.0.0.1',
  port,
  path: '/',
  expectStatus: 200,
  ...extra,
});
const never = new AbortController().signal;

describe('http probe requests', () => {
  it('reads the whole answer by its Content-Length without waiting for the close', async () => {
    const port = await serve((s) =>
      s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello')),
    );
    const r = await httpRequest(http(port, { bodyContains: 'hell' }), 1_000, never);
    expect(r).toMatchObject({ ok: true });
    expect(r.answeredNs).toBeTypeOf('bigint');
  });

  it('fails a body cut short, naming how much came', async () => {
    const port = await serve((s) =>
      s.once('data', () => s.end('HTTP/1.0 200 OK\r\nContent-Length: 50\r\n\r\nhello')),
    );
    expect(await httpRequest(http(port), 1_000, never)).toMatchObject({
      ok: false,
      error: `127.0.0.1:${port}: connection closed after 5 of 50 body bytes`,
    });
  });

  it('fails a server that accepts and never answers, at the timeout', async () => {
    const port = await serve(() => {});
    const r = await httpRequest(http(port), 100, never);
    expect(r).toEqual({ ok: false, error: `127.0.0.1:${port}: no answer within 100 ms` });
  });

  it('fails an unexpected status', async () => {
    const port = await serve((s) => s.once('data', () => s.end('HTTP/1.0 503 Unavailable\r\n\r\n')));
    expect(await httpRequest(http(port), 1_000, never)).toMatchObject({
      ok: false,
      error: 'HTTP 503, expected 200',
    });
  });
});

describe('tcp probe requests', () => {
  it('passes an echo that comes back, fails one that does not', async () => {
    const echo = await serve((s) => s.pipe(s));
    const other = await serve((s) => s.once('data', () => s.write('nope!')));
    const config = (port: number) => ({ type: 'tcp' as const, address: '127.0.0.1', port, echo: 'ping' });
    expect(await tcpRequest(config(echo), 1_000, never)).toMatchObject({ ok: true });
    expect(await tcpRequest(config(other), 1_000, never)).toMatchObject({
      ok: false,
      error: `127.0.0.1:${other}: echo came back as "nope!"`,
    });
  });

  it('reports a refused connection by its error code', async () => {
    const port = await serve(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    expect(await tcpRequest({ type: 'tcp', address: '127.0.0.1', port }, 1_000, never)).toEqual({
      ok: false,
      error: `127.0.0.1:${port}: ECONNREFUSED`,
    });
  });
});

describe('runProbe', () => {
  it('keeps sending while earlier requests hang, and lets each settle at its own timeout', async () => {
    const port = await serve(() => {});
    const samples: ProbeSample[] = [];
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    await runProbe(
      { name: 'hang', config: http(port) },
      { intervalMs: 10, timeoutMs: 300, sink: (s) => samples.push(s), stop: stop.signal },
    );
    // Open loop: ~20 sends in 200 ms although none was answered; a closed loop, waiting out the 300 ms
    // timeout of its first request, sends exactly one (no count beyond that is asserted: the machine is noisy).
    expect(samples.length).toBeGreaterThan(1);
    expect(samples.every((s) => !s.ok && /no answer within 300 ms/.test(s.error!))).toBe(true);
  });

  it('looks a host name up once, and refuses one that does not resolve, naming the VM', async () => {
    const port = await serve((s) => s.once('data', () => s.end('HTTP/1.0 200 OK\r\n\r\n')));
    const samples: ProbeSample[] = [];
    const stop = new AbortController();
    // Stopped by its first answer, not by a timer: under load the lookup alone can outlast any fixed delay.
    await runProbe(
      { name: 'named', config: http(port, { address: 'localhost' }) },
      {
        sink: (s) => {
          samples.push(s);
          stop.abort();
        },
        stop: stop.signal,
      },
    );
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.every((s) => s.ok)).toBe(true);
    await expect(
      runProbe(
        { name: 'vm9', config: http(port, { address: 'no-such-host.invalid' }) },
        { sink: () => {}, stop: never },
      ),
    ).rejects.toThrow(/cannot resolve no-such-host.invalid, the probe address of vm9/);
  });
});

describe('the deadline of a request', () => {
  it('fails an answer that arrives after the deadline as a timeout, however late the timer that should have ended it', async () => {
    // Answers 150 ms after the request; the deadline is 50 ms and nothing calls expire() in time.
    const port = await serve((s) =>
      s.once('data', () => setTimeout(() => s.end('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'), 150)),
    );
    const r = await new Promise((resolve) =>
      startExchange(
        {
          address: '127.0.0.1',
          port,
          payload: Buffer.from('GET / HTTP/1.0\r\n\r\n'),
          complete: () => true,
        },
        50,
        resolve,
      ),
    );
    expect(r).toMatchObject({ ok: false, error: `127.0.0.1:${port}: no whole answer within 50 ms` });
  });
});

describe('runProbes: one loop for several targets', () => {
  it('probes each target with its own timeout and names each sample by its target', async () => {
    const hang = await serve(() => {});
    const answer = await serve((s) => s.once('data', () => s.end('HTTP/1.0 200 OK\r\n\r\n')));
    const samples: ProbeSample[] = [];
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    await runProbes(
      [
        { name: 'down', config: { ...http(hang), timeoutMs: 100 } },
        { name: 'up', config: { type: 'tcp', address: '127.0.0.1', port: answer } },
        { name: 'web', config: http(answer) },
      ],
      { intervalMs: 10, sink: (s) => samples.push(s), stop: stop.signal },
    );
    const of = (name: string) => samples.filter((s) => s.probe === name);
    for (const name of ['down', 'up', 'web']) expect(of(name).length, name).toBeGreaterThan(1);
    expect(of('down').every((s) => !s.ok && s.error === `127.0.0.1:${hang}: no answer within 100 ms`)).toBe(
      true,
    );
    expect(of('up').every((s) => s.ok)).toBe(true);
    expect(of('web').every((s) => s.ok)).toBe(true);
    // Every request that left was answered or timed out: none is lost when the loop stops.
    const sent = new Set(samples.map((s) => `${s.probe} ${s.sentNs}`));
    expect(sent.size).toBe(samples.length);
  });

  it('cancels the requests in flight when asked to, each as stopped', async () => {
    const hang = await serve(() => {});
    const samples: ProbeSample[] = [];
    const stop = new AbortController();
    const cancel = new AbortController();
    setTimeout(() => {
      stop.abort();
      cancel.abort();
    }, 100);
    await runProbes([{ name: 'a', config: http(hang) }], {
      intervalMs: 10,
      timeoutMs: 5_000,
      sink: (s) => samples.push(s),
      stop: stop.signal,
      cancel: cancel.signal,
    });
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.every((s) => s.error === `127.0.0.1:${hang}: probe stopped before an answer`)).toBe(true);
  });
});
