import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonLinesSink } from './json-lines-sink.js';
import type { ProbeSample } from './sample.js';

function collector() {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString());
      done();
    },
  });
  return { stream, writes };
}

const sample = (i: number): ProbeSample => ({
  kind: 'probe',
  probe: `vm${i}`,
  sentNs: String(1_000_000n * BigInt(i)),
  ok: i % 2 === 0,
  ...(i % 2 ? { error: 'refused' } : { answeredNs: String(1_000_000n * BigInt(i) + 500n) }),
});

describe('jsonLinesSink', () => {
  it('writes the samples that settle together in one write, one JSON line each, in order', async () => {
    const { stream, writes } = collector();
    const sink = jsonLinesSink(stream);
    for (let i = 0; i < 8; i++) sink(sample(i));
    expect(writes).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(writes).toHaveLength(1);
    expect(
      writes[0]!
        .split('\n')
        .slice(0, -1)
        .map((l) => JSON.parse(l)),
    ).toEqual(Array.from({ length: 8 }, (_, i) => sample(i)));
  });

  it('flush writes what waits at once and leaves nothing for the timer', async () => {
    const { stream, writes } = collector();
    const sink = jsonLinesSink(stream);
    sink(sample(1));
    sink.flush();
    expect(writes).toEqual([`${JSON.stringify(sample(1))}\n`]);
    await new Promise((r) => setTimeout(r, 100));
    expect(writes).toHaveLength(1);
  });
});
