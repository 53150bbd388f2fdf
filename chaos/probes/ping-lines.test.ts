import { describe, expect, it } from 'vitest';
import { PingSampler, parsePingLine } from './ping-lines.js';
import type { ProbeSample } from './sample.js';

// Captured from iputils ping 20221126 (`ping -n -D -O -i 0.01 -c 15 127.0.0.1` in a
// namespace whose nftables dropped echo requests for its first 8 sends).
const CAPTURED = `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.
[1796123907.926145] no answer yet for icmp_seq=1
[1796123907.943978] no answer yet for icmp_seq=2
[1796123907.962374] no answer yet for icmp_seq=3
[1796123907.978984] no answer yet for icmp_seq=4
[1796123907.992016] no answer yet for icmp_seq=5
[1796123908.007918] no answer yet for icmp_seq=6
[1796123908.027981] no answer yet for icmp_seq=7
[1796123908.048030] no answer yet for icmp_seq=8
[1796123908.048134] 64 bytes from 127.0.0.1: icmp_seq=9 ttl=64 time=0.042 ms
[1796123908.064413] 64 bytes from 127.0.0.1: icmp_seq=10 ttl=64 time=0.036 ms
[1796123908.088084] 64 bytes from 127.0.0.1: icmp_seq=11 ttl=64 time=0.033 ms

--- 127.0.0.1 ping statistics ---
15 packets transmitted, 7 received, 53.3333% packet loss, time 254ms
rtt min/avg/max/mdev = 0.028/0.040/0.059/0.011 ms`;

const S = 1_000_000_000n;
const MS = 1_000_000n;

describe('parsePingLine', () => {
  it('reads replies with their receive time and RTT', () => {
    expect(
      parsePingLine('[1796123908.048134] 64 bytes from 127.0.0.1: icmp_seq=9 ttl=64 time=0.042 ms'),
    ).toEqual({
      kind: 'reply',
      seq: 9,
      wallNs: 1796123908n * S + 48_134_000n,
      rttNs: 42_000n,
    });
  });

  it('reads the requests ping reports unanswered, and ICMP errors', () => {
    expect(parsePingLine('[1796123907.926145] no answer yet for icmp_seq=1')).toMatchObject({
      kind: 'no-answer',
      seq: 1,
    });
    expect(
      parsePingLine('[1796123907.926145] From 198.18.8.1 icmp_seq=3 Destination Host Unreachable'),
    ).toMatchObject({ kind: 'error', seq: 3, message: 'Destination Host Unreachable (from 198.18.8.1)' });
  });

  it('ignores the banner, the statistics and duplicate replies', () => {
    expect(parsePingLine('PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.')).toBeUndefined();
    expect(parsePingLine('rtt min/avg/max/mdev = 0.028/0.040/0.059/0.011 ms')).toBeUndefined();
    expect(
      parsePingLine('[1796123908.048134] 64 bytes from 127.0.0.1: icmp_seq=9 ttl=64 time=0.042 ms (DUP!)'),
    ).toBeUndefined();
  });
});

describe('PingSampler', () => {
  function sample(lines: string, timeoutMs: bigint, offsetNs = 0n) {
    const out: ProbeSample[] = [];
    const sampler = new PingSampler('vm1', offsetNs, 10n * MS, timeoutMs * MS, (s) => out.push(s));
    let last = 0n;
    for (const line of lines.split('\n')) {
      const ev = parsePingLine(line);
      if (!ev) continue;
      last = ev.wallNs - offsetNs;
      sampler.push(ev, last);
    }
    sampler.expire(last, true);
    return out;
  }

  it('turns the captured outage into 8 failed and 3 answered samples in send order', () => {
    const out = sample(CAPTURED, 500n);
    const sorted = [...out].sort((a, b) => (BigInt(a.sentNs) < BigInt(b.sentNs) ? -1 : 1));
    expect(sorted.map((s) => s.ok)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    // seq 9 left at its receive time minus its RTT.
    expect(sorted[8]!.sentNs).toBe(String(1796123908n * S + 48_134_000n - 42_000n));
    expect(sorted[8]!.answeredNs).toBe(String(1796123908n * S + 48_134_000n));
  });

  it('estimates an unanswered send one send period before the line that reports it', () => {
    const out = sample(CAPTURED, 500n);
    const seq8 = out.find((s) => !s.ok && BigInt(s.sentNs) > 1796123908n * S + 30n * MS)!;
    expect(seq8.error).toMatch(/no reply within 500 ms/);
    // Reported at .048030; the period learned so far is the configured 10 ms.
    expect(BigInt(seq8.sentNs)).toBe(1796123908n * S + 48_030_000n - 10n * MS);
  });

  it('moves wall-clock stamps onto the monotonic clock by the measured offset', () => {
    const offset = 1796000000n * S;
    const [first] = sample(
      '[1796123908.048134] 64 bytes from 127.0.0.1: icmp_seq=9 ttl=64 time=0.042 ms',
      500n,
      offset,
    );
    expect(first!.answeredNs).toBe(String(123908n * S + 48_134_000n));
  });

  it('counts a reply that came after "no answer yet" but within the timeout as answered', () => {
    const out = sample(
      `[100.000000] no answer yet for icmp_seq=1
[100.015000] 64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=25.000 ms`,
      500n,
    );
    expect(out).toHaveLength(1);
    expect(out[0]!.ok).toBe(true);
  });

  it('counts the 16-bit sequence number on past its wrap (the send period is learned across it)', () => {
    const out = sample(
      `[100.000000] 64 bytes from 10.0.0.1: icmp_seq=65535 ttl=64 time=0.000 ms
[100.030000] 64 bytes from 10.0.0.1: icmp_seq=0 ttl=64 time=0.000 ms
[100.060000] no answer yet for icmp_seq=1`,
      5n,
    );
    expect(out.map((s) => s.ok)).toEqual([true, true, false]);
    expect(out[2]!.sentNs).toBe(String(100n * S + 30n * MS));
  });
});
