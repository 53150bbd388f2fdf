import { expect, it } from 'vitest';
import { bytesOfOd, greetingCommand, parseGreetingOutput, parseNbdGreeting } from './greeting.js';

// Captured here: `od -An -tx1 -v` of the first 16 bytes qemu-storage-daemon 7.2.22 (Debian 12, the lab's NBD server) sent
// to `bash` /dev/tcp in lab host1's namespace.
const captured = ' 4e 42 44 4d 41 47 49 43 49 48 41 56 45 4f 50 54\n';

it("reads a newstyle greeting from the bytes od printed of qemu-storage-daemon's first 16", () => {
  expect(parseNbdGreeting(bytesOfOd(captured))).toEqual({ style: 'newstyle' });
});

it('reads the oldstyle magic (NBD protocol document) and refuses what is not a greeting', () => {
  const old = Buffer.concat([Buffer.from('NBDMAGIC'), Buffer.from('0000420281861253', 'hex')]);
  expect(parseNbdGreeting(old)).toEqual({ style: 'oldstyle' });
  expect(() => parseNbdGreeting(Buffer.alloc(0))).toThrow(/not an NBD greeting \(0 bytes: none\)/);
  expect(() => parseNbdGreeting(Buffer.from('SSH-2.0-OpenSSH_9'))).toThrow(/not an NBD greeting/);
  expect(() => parseNbdGreeting(Buffer.from('NBDMAGICXXXXXXXX'))).toThrow(/neither IHAVEOPT nor oldstyle/);
});

it('tells a served export, a connection without a greeting and no connection apart', () => {
  expect(parseGreetingOutput(`connected\n${captured}`)).toEqual({
    connected: true,
    greeting: { style: 'newstyle' },
    detail: 'NBD greeting',
  });
  expect(parseGreetingOutput('connected\n')).toMatchObject({
    connected: true,
    detail: expect.stringMatching(/0 bytes/),
  });
  expect(
    parseGreetingOutput(
      'bash: connect: Connection refused\nbash: line 1: /dev/tcp/198.18.2.5/10809: Connection refused\n',
    ),
  ).toMatchObject({
    connected: false,
    detail: expect.stringMatching(/Connection refused/),
  });
});

it('builds a /dev/tcp command only for an address', () => {
  expect(greetingCommand('198.18.2.5', 10809, 3)).toBe(
    "timeout 3 bash -c 'exec 3<>/dev/tcp/198.18.2.5/10809 || exit 7; echo connected; head -c 16 <&3 | od -An -tx1 -v' 2>&1",
  );
  expect(() => greetingCommand("x'; rm -rf /", 1, 1)).toThrow(/not an address/);
});
