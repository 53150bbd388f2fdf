import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { QmpClient } from './client.js';

/*
 * The order in which QmpClient hands over what one chunk of QMP holds,
 * replayed from bytes a real QEMU 7.2 sent (fixtures/README.md:
 * qemu-7.2-observer-downtime-race-source.jsonl). A real QEMU cannot be made
 * to put a reply and an event in one read, so the captured lines are fed
 * back through a stream, one chunk per step, as a socket would deliver them.
 */

const lines = readFileSync(
  new URL('./fixtures/qemu-7.2-observer-downtime-race-source.jsonl', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l !== '');

/** A stream that answers each command the client writes with the next captured chunk. */
function replayed(chunks: string[]): Duplex {
  const s: Duplex = new Duplex({
    read() {},
    write(_chunk, _enc, done) {
      const next = chunks.shift();
      if (next !== undefined) setImmediate(() => s.push(next));
      done();
    },
  });
  setImmediate(() => s.push(`${lines[0]}\n`));
  return s;
}

describe('QmpClient onReply on a chunk captured from QEMU 7.2 holding a reply and then events', () => {
  it('calls onReply in stream order, before the events that follow the reply in the same chunk', async () => {
    // The first answer QEMU followed with an event (query-status on connect, then MIGRATION setup).
    const at = lines.findIndex((l, i) => l.startsWith('{"return"') && lines[i + 1]?.includes('"event"'));
    const reply = lines[at]!.replace(/"id": "havoc-\d+"/, '"id": "havoc-2"');
    const after = lines.slice(at + 1, at + 2);
    const chunk = `${[reply, ...after].join('\n')}\n`;
    const qmp = await QmpClient.over(replayed([`${lines[1]}\n`, chunk]), 'replay', { timeoutMs: 5_000 });
    const seen: string[] = [];
    qmp.onEvent(() => seen.push('event'));
    const answered = qmp
      .execute('query-status', undefined, { onReply: () => seen.push('onReply') })
      .then(() => seen.push('promise'));
    await answered;
    expect(after[0]).toContain('"event": "MIGRATION"');
    expect(seen).toEqual(['onReply', 'event', 'promise']);
    qmp.destroy();
  });
});
