import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { HavocError } from '../../core/errors.js';
import { makeDirs } from '../../core/make-dirs.js';

/**
 * An append-only file of whole lines, written with synchronous writes so a
 * line handed to the kernel survives the process being killed (kill -9)
 * right after. `sync()` makes it survive the machine too. A file created here
 * also has its directory fsynced, so the new name survives a crash as well.
 */
export class AppendFile {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Opens (creating it and its directory if needed) for appending; `exclusive` refuses an existing file. */
  static open(path: string, opts: { exclusive?: boolean; mode?: number } = {}): AppendFile {
    const dir = dirname(path);
    let fd: number;
    let created = false;
    try {
      const firstCreated = makeDirs(dir, 'the journal folder', 0o700);
      if (firstCreated !== undefined) syncCreatedDirectories(firstCreated, dir);
      try {
        fd = openSync(path, 'ax', opts.mode ?? 0o600);
        created = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || opts.exclusive) throw err;
        fd = openSync(path, 'a', opts.mode ?? 0o600);
      }
    } catch (err) {
      throw new HavocError('environment', `cannot open ${path} for appending: ${(err as Error).message}`, {
        hint: `check that ${dir} is writable by this user`,
        cause: err,
      });
    }
    if (created) syncDirectory(dir);
    return new AppendFile(path, fd);
  }

  /** Appends text with one write(2) per call (O_APPEND), so concurrent writers never interleave inside it. */
  write(text: string): void {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.handle(), buf, off, buf.length - off);
  }

  sync(): void {
    fsyncSync(this.handle());
  }

  /** fsyncs and closes; calling it again does nothing. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  get closed(): boolean {
    return this.fd === undefined;
  }

  private handle(): number {
    if (this.fd === undefined) throw new Error(`${this.path} is already closed`);
    return this.fd;
  }
}

/** fsyncs every directory from the parent of `first` down to `last`, so each new name is durable. */
function syncCreatedDirectories(first: string, last: string): void {
  const chain: string[] = [];
  for (let d = last; d.length >= first.length; d = dirname(d)) {
    chain.push(dirname(d));
    if (d === first) break;
  }
  for (const d of chain.reverse()) syncDirectory(d);
}

/** fsync of a directory, so a file just created in it keeps its name after a crash. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
