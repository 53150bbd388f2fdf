import { describe, expect, it } from 'vitest';
import { decodeNewc, encodeNewc } from './newc.js';

describe('cpio newc encoding (the initramfs format the kernel unpacks)', () => {
  it('round-trips directories, files, symlinks and device nodes with 4-byte alignment', () => {
    const archive = encodeNewc([
      { kind: 'dir', path: 'bin' },
      { kind: 'file', path: '/bin/busybox', data: Buffer.from('ELF...'), mode: 0o755 },
      { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
      { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
      { kind: 'file', path: 'init', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    ]);
    expect(archive.length % 4).toBe(0);
    const entries = decodeNewc(archive);
    expect(entries.map((e) => [e.name, (e.mode & 0o170000).toString(8), e.data.toString()])).toEqual([
      ['bin', '40000', ''],
      ['bin/busybox', '100000', 'ELF...'],
      ['bin/sh', '120000', 'busybox'],
      ['dev/console', '20000', ''],
      ['init', '100000', '#!/bin/sh\n'],
    ]);
    expect(entries[3]).toMatchObject({ rdevMajor: 5, rdevMinor: 1 });
    expect(entries[1]!.mode & 0o777).toBe(0o755);
  });

  it('writes the newc header layout: magic, hex fields, trailer', () => {
    const archive = encodeNewc([{ kind: 'file', path: 'a', data: Buffer.from('xyz') }]);
    const text = archive.toString('latin1');
    expect(text.startsWith('070701')).toBe(true);
    // c_filesize (7th field) is 3, c_namesize (12th) is 2 ("a\\0").
    expect(text.slice(6 + 6 * 8, 6 + 7 * 8)).toBe('00000003');
    expect(text.slice(6 + 11 * 8, 6 + 12 * 8)).toBe('00000002');
    expect(text).toContain('TRAILER!!!\0');
  });

  it('is deterministic and refuses paths that climb out', () => {
    const entries = [{ kind: 'file' as const, path: 'x', data: Buffer.from('1') }];
    expect(encodeNewc(entries).equals(encodeNewc(entries))).toBe(true);
    expect(() => encodeNewc([{ kind: 'dir', path: '../etc' }])).toThrow(/climbs out/);
    expect(() => decodeNewc(Buffer.from('070702'.padEnd(120, '0')))).toThrow(/bad magic/);
  });
});
