import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseGuestStatus, readCounterRecord } from '../../protocols/guest-status/guest-status.js';
import { guestInitScript } from './initScript.js';

describe('lab guest status formats', () => {
  it('parses the HTTP body and rejects a body without a counter yet', () => {
    expect(parseGuestStatus('boot_id=c7221c4a-2b38-42d9-a1a8-69b18f86a4ce counter=133\n')).toEqual({
      bootId: 'c7221c4a-2b38-42d9-a1a8-69b18f86a4ce',
      counter: 133,
    });
    expect(parseGuestStatus('boot_id=c7221c4a-2b38-42d9-a1a8-69b18f86a4ce counter=none\n')).toEqual({
      error: expect.stringContaining('no valid counter'),
    });
    expect(parseGuestStatus('<html>')).toEqual({ error: expect.stringContaining('no valid boot_id') });
  });

  it('reads the disk record the guest wrote (first sector captured from a booted guest)', () => {
    const sector = Buffer.alloc(512);
    sector.write('havoc-counter 133 c7221c4a-2b38-42d9-a1a8-69b18f86a4ce\n', 'latin1');
    expect(readCounterRecord(sector)).toEqual({
      counter: 133,
      bootId: 'c7221c4a-2b38-42d9-a1a8-69b18f86a4ce',
    });
    expect(readCounterRecord(Buffer.alloc(512))).toBeUndefined();
  });

  it('the /init script is valid busybox ash (busybox-static)', () => {
    try {
      execFileSync('/bin/busybox', ['sh', '-n', '-c', guestInitScript()]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new Error('/bin/busybox missing: install the Debian package busybox-static');
      throw new Error(
        `init script does not parse: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`,
      );
    }
  });
});
