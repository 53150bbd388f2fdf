import type { ProbeSample } from './sample.js';

/*
 * ICMP through iputils `ping -n -D -O -i INTERVAL ADDRESS`, one long-running
 * process per target (Node has no raw or ICMP datagram sockets, and a process
 * per request costs milliseconds). Each line carries ping's own receive time
 * (-D, wall clock in microseconds); -O reports every request still
 * unanswered when the next one leaves, so a loss shows as it happens.
 *
 *   [1796123297.538040] 64 bytes from 198.18.8.11: icmp_seq=1 ttl=64 time=0.180 ms
 *   [1796123297.558040] no answer yet for icmp_seq=2
 *   [1796123297.558040] From 198.18.8.1 icmp_seq=3 Destination Host Unreachable
 */

export type PingEvent =
  | { kind: 'reply'; seq: number; wallNs: bigint; rttNs: bigint }
  | { kind: 'no-answer'; seq: number; wallNs: bigint }
  | { kind: 'error'; seq: number; wallNs: bigint; message: string };

const STAMP = /^\[(\d+)\.(\d{1,9})\] (.*)$/;

function stampNs(sec: string, frac: string): bigint {
  return BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
}

function msToNs(ms: string): bigint {
  const [whole = '0', frac = ''] = ms.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, '0').slice(0, 6));
}

/** One line of ping's output; undefined for the banner, statistics and anything else. */
export function parsePingLine(line: string): PingEvent | undefined {
  const stamped = STAMP.exec(line.trim());
  if (!stamped) return undefined;
  const wallNs = stampNs(stamped[1]!, stamped[2]!);
  const rest = stamped[3]!;
  // A duplicate reply says nothing new about the request it answers twice.
  if (rest.endsWith('(DUP!)')) return undefined;
  const reply = /^\d+ bytes from .*?: icmp_seq=(\d+) .*time=([\d.]+) ms/.exec(rest);
  if (reply) return { kind: 'reply', seq: Number(reply[1]), wallNs, rttNs: msToNs(reply[2]!) };
  const none = /^no answer yet for icmp_seq=(\d+)/.exec(rest);
  if (none) return { kind: 'no-answer', seq: Number(none[1]), wallNs };
  const error = /^From (\S+) icmp_seq=(\d+) (.*)$/.exec(rest);
  if (error)
    return { kind: 'error', seq: Number(error[2]), wallNs, message: `${error[3]} (from ${error[1]})` };
  return undefined;
}

/**
 * Turns ping events into samples. ping stamps its lines with the wall clock;
 * `wallMinusMonoNs` (measured once when ping starts) moves them onto the
 * monotonic clock. A request's send time is its receive time minus the RTT;
 * an unanswered one left just before the "no answer yet" line that names it
 * minus one send period (the line is printed as the next request leaves). A
 * request counts as failed when no reply came within the timeout, so a late
 * reply inside it is still a success.
 */
export class PingSampler {
  private readonly pending = new Map<number, { sentNs: bigint; error?: string }>();
  private lastSent: { seq: number; ns: bigint } | undefined;
  private periodNs: bigint;
  private seqBase = 0;
  private lastRawSeq = -1;

  constructor(
    private readonly probe: string,
    private readonly wallMinusMonoNs: bigint,
    intervalNs: bigint,
    private readonly timeoutNs: bigint,
    private readonly emit: (s: ProbeSample) => void,
  ) {
    this.periodNs = intervalNs;
  }

  /** ping's icmp_seq is 16 bits; the sampler counts on past the wrap. */
  private unwrap(raw: number): number {
    if (this.lastRawSeq >= 0 && raw < this.lastRawSeq - 32_768) this.seqBase += 65_536;
    else if (raw > this.lastRawSeq + 32_768 && this.lastRawSeq >= 0) return this.seqBase - 65_536 + raw;
    this.lastRawSeq = raw;
    return this.seqBase + raw;
  }

  private learnPeriod(seq: number, sentNs: bigint): void {
    if (this.lastSent && seq > this.lastSent.seq) {
      this.periodNs = (sentNs - this.lastSent.ns) / BigInt(seq - this.lastSent.seq);
    }
    if (!this.lastSent || seq > this.lastSent.seq) this.lastSent = { seq, ns: sentNs };
  }

  /** Feeds one event; `nowNs` (monotonic) expires pending requests older than the timeout. */
  push(ev: PingEvent, nowNs: bigint): void {
    const seq = this.unwrap(ev.seq);
    const atNs = ev.wallNs - this.wallMinusMonoNs;
    if (ev.kind === 'reply') {
      const sentNs = atNs - ev.rttNs;
      const pending = this.pending.get(seq);
      this.pending.delete(seq);
      this.learnPeriod(seq, sentNs);
      if (atNs - sentNs <= this.timeoutNs)
        this.emit({
          kind: 'probe',
          probe: this.probe,
          sentNs: String(sentNs),
          answeredNs: String(atNs),
          ok: true,
        });
      else if (pending)
        this.fail(sentNs, pending.error ?? `no reply within ${this.timeoutNs / 1_000_000n} ms`);
    } else if (!this.pending.has(seq)) {
      const sentNs = atNs - this.periodNs;
      this.pending.set(seq, ev.kind === 'error' ? { sentNs, error: ev.message } : { sentNs });
    } else if (ev.kind === 'error') {
      this.pending.get(seq)!.error = ev.message;
    }
    this.expire(nowNs);
  }

  private fail(sentNs: bigint, error: string): void {
    this.emit({ kind: 'probe', probe: this.probe, sentNs: String(sentNs), ok: false, error });
  }

  /** Emits every pending request older than the timeout (all of them when `all`). */
  expire(nowNs: bigint, all = false): void {
    for (const [seq, p] of this.pending) {
      if (!all && nowNs - p.sentNs <= this.timeoutNs) continue;
      this.pending.delete(seq);
      this.fail(p.sentNs, p.error ?? `no reply within ${this.timeoutNs / 1_000_000n} ms`);
    }
  }
}
