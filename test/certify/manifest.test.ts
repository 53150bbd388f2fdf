import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, verifyManifest, writeManifest } from '../../certify/manifest.js';
import { HavocError } from '../../core/errors.js';
import { tempDir } from '../support/temp-dir.js';
import { certificationFolder, FOLDER_FILES, sha256 } from './certification-folder.js';

function flipOneByte(file: string, at = 3): void {
  const bytes = readFileSync(file);
  bytes[at] = bytes[at]! ^ 0x01;
  writeFileSync(file, bytes);
}

describe('writeManifest', () => {
  it('lists every file under the folder, recursively, with /-separated relative paths, sorted, with sha256 and size', async () => {
    const dir = certificationFolder();
    const m = await writeManifest(dir);
    const expected = Object.keys(FOLDER_FILES)
      .sort()
      .map((path) => ({
        path,
        sha256: sha256(FOLDER_FILES[path]!),
        size: Buffer.byteLength(FOLDER_FILES[path]!),
      }));
    expect(m).toEqual({ schema: 'havoc.manifest/1', algorithm: 'sha256', files: expected });
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toEqual(m);
  });

  it('does not list the manifest or its signature, so writing it again gives the same manifest', async () => {
    const dir = certificationFolder();
    const first = await writeManifest(dir);
    writeFileSync(join(dir, 'manifest.json.sig'), 'signature');
    const second = await writeManifest(dir);
    expect(second).toEqual(first);
    expect(second.files.map((f) => f.path)).not.toContain('manifest.json');
  });

  it('agrees with sha256sum, the tool a receiver without havoc has', async () => {
    const dir = certificationFolder();
    const m = await writeManifest(dir);
    const listing = m.files.map((f) => `${f.sha256}  ${f.path}`).join('\n');
    const out = execFileSync('sha256sum', ['--check', '--strict', '-'], {
      cwd: dir,
      input: `${listing}\n`,
      encoding: 'utf8',
    });
    expect(out.trim().split('\n')).toEqual(m.files.map((f) => `${f.path}: OK`));
  });

  it('follows a symlink to a file inside the folder (its content is sealed under the link name)', async () => {
    const dir = certificationFolder();
    symlinkSync('evidence/live-checks.json', join(dir, 'latest.json'));
    const m = await writeManifest(dir);
    expect(m.files.find((f) => f.path === 'latest.json')?.sha256).toBe(
      sha256(FOLDER_FILES['evidence/live-checks.json']!),
    );
  });

  it('refuses a symlink that leaves the folder, naming it', async () => {
    const dir = certificationFolder();
    const outside = join(tempDir('havoc-outside-'), 'secret.txt');
    writeFileSync(outside, 'outside');
    symlinkSync(outside, join(dir, 'evidence', 'leak.txt'));
    symlinkSync('../..', join(dir, 'evidence', 'up'));
    const err = await writeManifest(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HavocError);
    expect((err as HavocError).message).toContain('evidence/leak.txt is a symlink that leaves the folder');
    expect((err as HavocError).message).toContain('evidence/up is a symlink that leaves the folder');
    expect(() => readFileSync(join(dir, 'manifest.json'))).toThrow();
  });

  it('refuses a dangling symlink, a symlink to a directory inside, and a FIFO', async () => {
    const dir = certificationFolder();
    symlinkSync('nowhere', join(dir, 'dangling'));
    symlinkSync('evidence', join(dir, 'evidence-link'));
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const err = (await writeManifest(dir).catch((e: unknown) => e)) as HavocError;
    expect(err.message).toContain('dangling is a symlink to nothing');
    expect(err.message).toContain('evidence-link is a symlink to a directory');
    expect(err.message).toContain('pipe is not a regular file');
  });

  it('refuses a path that is not a folder', async () => {
    const file = join(certificationFolder(), 'certification.json');
    await expect(writeManifest(file)).rejects.toThrow(`${file}: not a folder`);
  });
});

describe('verifyManifest', () => {
  it('an untouched folder is intact', async () => {
    const dir = certificationFolder();
    await writeManifest(dir);
    expect(await verifyManifest(dir)).toEqual({
      dir,
      listed: 6,
      intact: true,
      changed: [],
      missing: [],
      added: [],
      refused: [],
    });
  });

  it('one byte of one evidence file changed: not intact, that file named with both hashes', async () => {
    const dir = certificationFolder();
    await writeManifest(dir);
    const file = 'evidence/fence/host1-level1.json';
    flipOneByte(join(dir, file));
    const check = await verifyManifest(dir);
    expect(check.intact).toBe(false);
    expect(check.changed).toEqual([
      {
        path: file,
        expected: { sha256: sha256(FOLDER_FILES[file]!), size: FOLDER_FILES[file]!.length },
        actual: { sha256: sha256(readFileSync(join(dir, file), 'utf8')), size: FOLDER_FILES[file]!.length },
      },
    ]);
    expect(check.changed[0]!.actual.sha256).not.toBe(check.changed[0]!.expected.sha256);
  });

  it('reports every changed, missing and added file at once, not just the first', async () => {
    const dir = certificationFolder();
    await writeManifest(dir);
    flipOneByte(join(dir, 'certification.json'));
    writeFileSync(join(dir, 'suite/report.html'), `${FOLDER_FILES['suite/report.html']}<p>more</p>`);
    rmSync(join(dir, 'evidence/live-checks.json'));
    rmSync(join(dir, 'suite/timeline.jsonl'));
    mkdirSync(join(dir, 'extra'));
    writeFileSync(join(dir, 'extra/note.txt'), 'added later');
    writeFileSync(join(dir, 'certification.pdf'), '%PDF');
    symlinkSync('/etc/hostname', join(dir, 'evidence/outside'));
    const check = await verifyManifest(dir);
    expect(check.intact).toBe(false);
    expect(check.changed.map((c) => c.path)).toEqual(['certification.json', 'suite/report.html']);
    expect(check.missing).toEqual(['evidence/live-checks.json', 'suite/timeline.jsonl']);
    expect(check.added).toEqual(['certification.pdf', 'extra/note.txt']);
    expect(check.refused).toEqual([
      { path: 'evidence/outside', reason: 'a symlink that leaves the folder (to /etc/hostname)' },
    ]);
  });

  it('a file replaced by a symlink leaving the folder is reported, not followed', async () => {
    const dir = certificationFolder();
    await writeManifest(dir);
    rmSync(join(dir, 'certification.html'));
    symlinkSync('/etc/hostname', join(dir, 'certification.html'));
    const check = await verifyManifest(dir);
    expect(check.intact).toBe(false);
    expect(check.refused.map((r) => r.path)).toEqual(['certification.html']);
  });

  it('a folder without manifest.json is not a certification folder', async () => {
    const dir = certificationFolder();
    const err = (await verifyManifest(dir).catch((e: unknown) => e)) as HavocError;
    expect(err).toBeInstanceOf(HavocError);
    expect(err.code).toBe('input');
    expect(err.message).toBe(`${dir}: not a certification folder: no manifest.json`);
  });

  it('a folder that does not exist is named', async () => {
    const dir = join(tempDir('havoc-none-'), 'missing');
    await expect(verifyManifest(dir)).rejects.toThrow(`${dir}: no such folder`);
  });

  it('a damaged manifest is refused with what is wrong in it', async () => {
    const dir = certificationFolder();
    await writeManifest(dir);
    writeFileSync(
      join(dir, 'manifest.json'),
      '{"schema":"havoc.manifest/1","algorithm":"sha256","files":[{"path":"a","sha256":"xyz","size":1}]}',
    );
    await expect(readManifest(dir)).rejects.toThrow(
      /manifest\.json: not a havoc manifest: files\.0\.sha256: /,
    );
    writeFileSync(join(dir, 'manifest.json'), '{"schema":');
    await expect(readManifest(dir)).rejects.toThrow(/manifest\.json: not JSON/);
  });
});
