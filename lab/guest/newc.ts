/**
 * The cpio "newc" archive format (magic 070701) the Linux kernel unpacks as
 * an initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).
 * Written here rather than by running cpio so the archive does not depend on
 * a staging directory's ownership, timestamps or file order: the same inputs
 * always give the same bytes.
 */

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'char'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const TRAILER = 'TRAILER!!!';

function hex8(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new Error(`cpio header field out of range: ${value}`);
  }
  return value.toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function header(
  ino: number,
  mode: number,
  nlink: number,
  size: number,
  name: string,
  rdev = { major: 0, minor: 0 },
) {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const fields = [
    '070701',
    hex8(ino),
    hex8(mode),
    hex8(0), // uid: root
    hex8(0), // gid: root
    hex8(nlink),
    hex8(0), // mtime: fixed, so builds are reproducible
    hex8(size),
    hex8(0), // dev major
    hex8(0), // dev minor
    hex8(rdev.major),
    hex8(rdev.minor),
    hex8(nameBytes.length),
    hex8(0), // check: unused by newc
  ].join('');
  const head = Buffer.concat([Buffer.from(fields, 'ascii'), nameBytes]);
  return Buffer.concat([head, pad4(head.length)]);
}

function entryPath(path: string): string {
  const trimmed = path.replace(/^\/+/, '');
  if (trimmed === '' || trimmed.split('/').includes('..')) {
    throw new Error(`cpio entry path ${JSON.stringify(path)} is empty or climbs out of the archive`);
  }
  return trimmed;
}

/** Encodes entries, in order, followed by the trailer. Parents must come before children. */
export function encodeNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const entry of entries) {
    const name = entryPath(entry.path);
    switch (entry.kind) {
      case 'dir':
        parts.push(header(ino++, S_IFDIR | (entry.mode ?? 0o755), 2, 0, name));
        break;
      case 'file': {
        const data = Buffer.from(entry.data);
        parts.push(
          header(ino++, S_IFREG | (entry.mode ?? 0o644), 1, data.length, name),
          data,
          pad4(data.length),
        );
        break;
      }
      case 'symlink': {
        const target = Buffer.from(entry.target, 'utf8');
        parts.push(header(ino++, S_IFLNK | 0o777, 1, target.length, name), target, pad4(target.length));
        break;
      }
      case 'char':
        parts.push(
          header(ino++, S_IFCHR | (entry.mode ?? 0o600), 1, 0, name, {
            major: entry.major,
            minor: entry.minor,
          }),
        );
        break;
    }
  }
  parts.push(header(0, 0, 1, 0, TRAILER));
  return Buffer.concat(parts);
}

export interface DecodedEntry {
  name: string;
  mode: number;
  size: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Buffer;
}

/**
 * Decodes a newc archive (up to the trailer). Used to check what we built;
 * errors name the byte offset where the archive stops making sense.
 */
export function decodeNewc(archive: Buffer): DecodedEntry[] {
  const out: DecodedEntry[] = [];
  let offset = 0;
  const field = (at: number, i: number) =>
    Number.parseInt(archive.toString('ascii', at + 6 + i * 8, at + 14 + i * 8), 16);
  for (;;) {
    if (offset + 110 > archive.length)
      throw new Error(`cpio archive truncated at byte ${offset}: no trailer`);
    const magic = archive.toString('ascii', offset, offset + 6);
    if (magic !== '070701')
      throw new Error(`cpio archive: bad magic ${JSON.stringify(magic)} at byte ${offset}`);
    const mode = field(offset, 1);
    const size = field(offset, 6);
    const rdevMajor = field(offset, 9);
    const rdevMinor = field(offset, 10);
    const nameSize = field(offset, 11);
    const nameStart = offset + 110;
    const name = archive.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = nameStart + nameSize + ((4 - ((110 + nameSize) % 4)) % 4);
    if (dataStart + size > archive.length)
      throw new Error(`cpio entry ${name} at byte ${offset} overruns the archive`);
    if (name === TRAILER) return out;
    out.push({ name, mode, size, rdevMajor, rdevMinor, data: archive.subarray(dataStart, dataStart + size) });
    offset = dataStart + size + ((4 - (size % 4)) % 4);
  }
}
