import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyMessage, encodeCommand, QmpDecoder, type QmpMessage } from './framing.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

function decodeAll(bytes: Buffer, chunkSize: number): QmpMessage[] {
  const decoder = new QmpDecoder();
  const out: QmpMessage[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize)
    out.push(...decoder.push(bytes.subarray(i, i + chunkSize)));
  expect(decoder.pendingLength).toBe(0);
  return out;
}

describe('QMP framing on transcripts captured from QEMU 7.2 (Debian qemu-system-x86)', () => {
  it('decodes the basic session identically whatever the chunking', () => {
    const bytes = fixture('qemu-7.2-basic-session.jsonl');
    const whole = decodeAll(bytes, bytes.length);
    for (const size of [1, 2, 7, 64, 1000]) expect(decodeAll(bytes, size)).toEqual(whole);
    expect(whole.map((m) => m.kind)).toEqual([
      'greeting',
      'return',
      'return',
      'event',
      'return',
      'event',
      'return',
      'error',
      'return',
      'event',
      'return',
    ]);
    const greeting = whole[0];
    expect(greeting).toMatchObject({
      kind: 'greeting',
      version: { qemu: { major: 7, minor: 2, micro: 22 } },
      capabilities: ['oob'],
    });
    expect(whole[2]).toEqual({
      kind: 'return',
      id: 'havoc-2',
      value: { status: 'prelaunch', singlestep: false, running: false },
    });
    expect(whole[3]).toMatchObject({
      kind: 'event',
      event: 'RESUME',
      data: {},
      timestamp: { seconds: 1795302288, microseconds: 249361 },
    });
    expect(whole[7]).toEqual({
      kind: 'error',
      id: 'havoc-5',
      errorClass: 'CommandNotFound',
      desc: 'The command no-such-command has not been found',
    });
    expect(whole[9]).toMatchObject({
      kind: 'event',
      event: 'SHUTDOWN',
      data: { guest: false, reason: 'host-qmp-quit' },
    });
  });

  it('reads the migration statistics and events of a completed migration', () => {
    const messages = decodeAll(fixture('qemu-7.2-migration-source.jsonl'), 13);
    const statuses = messages.flatMap((m) =>
      m.kind === 'event' && m.event === 'MIGRATION' ? [m.data['status']] : [],
    );
    expect(statuses).toEqual(['setup', 'active', 'completed']);
    const info = messages.find((m) => m.kind === 'return' && m.id === 'havoc-5');
    expect(info).toMatchObject({
      value: { status: 'completed', downtime: 2, 'total-time': 12, ram: { transferred: 603263 } },
    });
  });

  it('reads the error of a failed migration', () => {
    const messages = decodeAll(fixture('qemu-7.2-migration-failed-source.jsonl'), 5);
    expect(messages.find((m) => m.kind === 'return' && m.id === 'havoc-5')).toMatchObject({
      value: {
        status: 'failed',
        'error-desc': "Failed to connect to '/tmp/hvv-cap/mig2.sock': No such file or directory",
      },
    });
  });

  it('rejects a line that is not JSON, naming it', () => {
    expect(() => new QmpDecoder().push('{"return": {}}\r\nGARBAGE\r\n')).toThrow(/not JSON: "GARBAGE"/);
  });

  it('rejects JSON that is no QMP message', () => {
    expect(() => classifyMessage([1, 2])).toThrow(/not a JSON object/);
    expect(() => classifyMessage({ hello: 1 })).toThrow(/neither greeting, return, error nor event/);
    expect(() => classifyMessage({ QMP: { capabilities: [] } })).toThrow(/no version.qemu/);
  });

  it('refuses an endless line', () => {
    const decoder = new QmpDecoder(16);
    expect(() => decoder.push('{"return": {"a": 1234567890}')).toThrow(
      /more than 16 bytes without a line end/,
    );
  });

  it('encodes commands with and without arguments, and refuses bad command names', () => {
    expect(encodeCommand('query-status', undefined, 'havoc-2')).toBe(
      '{"execute":"query-status","id":"havoc-2"}\n',
    );
    expect(encodeCommand('migrate', { uri: 'tcp:10.0.0.2:49152' }, 'x')).toBe(
      '{"execute":"migrate","arguments":{"uri":"tcp:10.0.0.2:49152"},"id":"x"}\n',
    );
    expect(() => encodeCommand('quit"}\n{"execute":"stop', undefined, '1')).toThrow(/not a QMP command name/);
  });
});
