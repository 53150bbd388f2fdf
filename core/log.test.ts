import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HavocError } from './errors.js';
import { createLogger } from './log.js';
import { MIN_SECRET_LENGTH, Redactor } from './redact.js';

// Quotes, a backslash, a newline, a tab and non-ASCII: each is escaped in a JSON line.
const SECRET = 'pa"ss\\wo\nrd\twörd€';
const TOKEN = 'OpaqueRef:7c1f0e2a-session-token';

/** Every fragment of the secret between the characters JSON escapes: none may survive in any form. */
const FRAGMENTS = ['pa', 'ss', 'wo', 'rd', 'wörd€'];

function capture(level: 'trace' | 'info' = 'trace') {
  const redactor = new Redactor();
  redactor.add(SECRET);
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const log = createLogger(level, redactor, sink);
  return { redactor, log, text: () => Buffer.concat(chunks).toString('utf8') };
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(JSON.stringify(SECRET).slice(1, -1));
  // The whole secret is gone, not only its exact spelling: the part after the last escape too.
  expect(text).not.toContain(FRAGMENTS.at(-1));
  for (const line of text.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
}

describe('log lines never carry a secret, whatever JSON escaping does to it', () => {
  it('in the message, a field, a nested field, an array and an interpolation', () => {
    const c = capture();
    c.log.info(`login with ${SECRET}`);
    c.log.info({ password: SECRET, nested: { deeper: [`x${SECRET}y`] } }, 'fields');
    c.log.info('interpolated %s and %j', SECRET, { body: { Password: SECRET } });
    const text = c.text();
    expectNoSecret(text);
    // message, field, nested field, %s and %j: five places, each redacted.
    expect(text.match(/\[redacted\]/g)?.length).toBe(5);
  });

  it('in an error: message, stack, cause and its own fields, logged alone or under err', () => {
    const c = capture();
    const cause = new Error(`socket said ${SECRET}`);
    const err = new HavocError('auth', `refused ${SECRET}`, { cause, hint: `not ${SECRET}` });
    c.log.error(err);
    c.log.error({ err }, 'fence failed');
    c.log.warn({ err: new AggregateError([new Error(SECRET)], 'several') });
    const text = c.text();
    expectNoSecret(text);
    const first = JSON.parse(text.split('\n')[0]!) as Record<string, Record<string, unknown>>;
    // The error is still useful: its type, message, stack and cause are there, only the secret is gone.
    expect(first['msg']).toBe('refused [redacted]');
    expect(first['err']?.['type']).toBe('HavocError');
    expect(first['err']?.['stack']).toMatch(/refused \[redacted\]\n\s+at /);
    expect(first['err']?.['cause']).toMatchObject({ message: 'socket said [redacted]' });
  });

  it("in a child logger's bindings, and for a secret registered after the child was made", () => {
    const c = capture();
    const child = c.log.child({ target: `bmc ${SECRET}` });
    child.info('one');
    const late = child.child({ token: TOKEN });
    c.redactor.add(TOKEN);
    late.info(`token ${TOKEN} in use`);
    const text = c.text();
    expectNoSecret(text);
    expect(text).not.toContain(TOKEN);
  });

  it('a JSON document quoted in a message (escaped twice) is redacted too', () => {
    const c = capture();
    c.log.info(`request body ${JSON.stringify({ Password: SECRET })}`);
    c.log.info({ raw: JSON.stringify(JSON.stringify(SECRET)) }, 'double');
    expectNoSecret(c.text());
  });
});

describe('Redactor', () => {
  it(`refuses a secret shorter than ${MIN_SECRET_LENGTH} characters instead of silently not hiding it`, () => {
    const r = new Redactor();
    expect(() => r.add('abc')).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/cannot be hidden/),
        hint: expect.stringMatching(/at least 4/),
      }),
    );
    r.add('abcd');
    expect(r.redact('xabcdx')).toBe('x[redacted]x');
  });

  it('removes the longer of two overlapping secrets whole', () => {
    const r = new Redactor();
    r.add('hunter');
    r.add('hunter22');
    expect(r.redact('a hunter22 b hunter c')).toBe('a [redacted] b [redacted] c');
  });

  it('redactValue keeps what is not secret and handles cycles', () => {
    const r = new Redactor();
    r.add(SECRET);
    const value: Record<string, unknown> = { a: 1, when: new Date(0), s: `>${SECRET}<` };
    value['self'] = value;
    expect(r.redactValue(value)).toEqual({ a: 1, when: new Date(0), s: '>[redacted]<', self: '[circular]' });
  });
});
