import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { type lstat, readdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { HavocError } from '../core/errors.js';
import { CERTIFICATION_FILES } from './certification.js';

/*
 * The manifest seals a certification folder: the sha256 and size of every
 * file in it, so a receiver can tell that nothing was changed, removed or
 * added since havoc wrote it (and, with its signature, by whom).
 */

export interface ManifestEntry {
  /** Relative to the folder, '/'-separated. */
  path: string;
  sha256: string;
  size: number;
}

const manifestSchema = z.strictObject({
  schema: z.literal('havoc.manifest/1'),
  algorithm: z.literal('sha256'),
  files: z.array(
    z.strictObject({
      path: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      size: z.number().int().nonnegative(),
    }),
  ),
});

export type Manifest = z.infer<typeof manifestSchema>;

/** Not covered by the manifest: the manifest itself and its signature, at the top of the folder. */
const SEALS = new Set<string>([CERTIFICATION_FILES.manifest, CERTIFICATION_FILES.signature]);

type Found = { path: string; real: string } | { path: string; refused: string };

function inside(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep);
}

/**
 * Every file under root, sorted by path. A symlink is followed only to a
 * regular file inside the folder (its content is what the manifest seals);
 * one that leaves the folder, dangles or names a directory is refused, as is
 * anything that is not a regular file.
 */
async function walk(root: string): Promise<Found[]> {
  const realRoot = await realpath(root);
  const out: Found[] = [];
  const visit = async (dir: string, prefix: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      out.push({
        path: prefix || '.',
        refused: `a folder that cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      });
      return;
    }
    for (const e of entries) {
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      const full = join(dir, e.name);
      if (e.isDirectory()) await visit(full, path);
      else if (e.isFile()) out.push({ path, real: full });
      else if (e.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(full);
        } catch {
          out.push({ path, refused: 'a symlink to nothing' });
          continue;
        }
        if (!inside(realRoot, target)) {
          out.push({ path, refused: `a symlink that leaves the folder (to ${target})` });
          continue;
        }
        const st = await stat(target);
        if (st.isFile()) out.push({ path, real: target });
        else
          out.push({ path, refused: 'a symlink to a directory (the manifest follows links to files only)' });
      } else out.push({ path, refused: 'not a regular file (a socket, FIFO or device)' });
    }
  };
  await visit(realRoot, '');
  return out
    .filter((f) => !SEALS.has(f.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    createReadStream(file)
      .on('data', (chunk) => {
        hash.update(chunk);
        size += chunk.length;
      })
      .on('error', (err: NodeJS.ErrnoException) =>
        reject(
          new HavocError('input', `cannot read ${file}: ${err.code ?? err.message}`, {
            target: file,
            hint: 'every file of the folder must be readable by the user running havoc',
          }),
        ),
      )
      .on('end', () => resolve({ sha256: hash.digest('hex'), size }));
  });
}

async function assertFolder(dir: string): Promise<void> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await stat(dir);
  } catch {
    throw new HavocError('input', `${dir}: no such folder`, {
      target: dir,
      hint: 'give the folder havoc certify wrote (--out DIR)',
    });
  }
  if (!st.isDirectory())
    throw new HavocError('input', `${dir}: not a folder`, {
      target: dir,
      hint: 'give the folder havoc certify wrote (--out DIR), not a file in it',
    });
}

/** Writes DIR/manifest.json covering every file under DIR; refuses a folder holding what it cannot seal. */
export async function writeManifest(dir: string): Promise<Manifest> {
  await assertFolder(dir);
  const found = await walk(dir);
  const refused = found.filter((f): f is { path: string; refused: string } => 'refused' in f);
  if (refused.length)
    throw new HavocError(
      'input',
      `${dir}: cannot seal the folder: ${refused.map((f) => `${f.path} is ${f.refused}`).join('; ')}`,
      { target: dir, hint: 'put the evidence itself into the folder (copy it), not a link to it' },
    );
  const files: ManifestEntry[] = [];
  for (const f of found) if ('real' in f) files.push({ path: f.path, ...(await sha256File(f.real)) });
  const manifest: Manifest = { schema: 'havoc.manifest/1', algorithm: 'sha256', files };
  // Written whole or not at all: a half-written manifest would read as tampering.
  const target = join(dir, CERTIFICATION_FILES.manifest);
  await writeFile(`${target}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${target}.tmp`, target);
  return manifest;
}

/** Reads and checks DIR/manifest.json; a folder without one is not a certification (HavocError 'input'). */
export async function readManifest(dir: string): Promise<Manifest> {
  await assertFolder(dir);
  const file = join(dir, CERTIFICATION_FILES.manifest);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HavocError(
      'input',
      `${dir}: not a certification folder: ${code === 'ENOENT' ? `no ${CERTIFICATION_FILES.manifest}` : `cannot read ${CERTIFICATION_FILES.manifest} (${code ?? String(err)})`}`,
      { target: dir, hint: `havoc certify --out DIR writes ${CERTIFICATION_FILES.manifest} into DIR` },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new HavocError('input', `${file}: not JSON (${(err as Error).message})`, {
      target: file,
      hint: 'the manifest was damaged or replaced: treat the folder as changed',
    });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HavocError(
      'input',
      `${file}: not a havoc manifest: ${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`,
      { target: file, hint: 'the manifest was damaged or replaced: treat the folder as changed' },
    );
  }
  return parsed.data;
}

export interface ChangedFile {
  path: string;
  expected: { sha256: string; size: number };
  actual: { sha256: string; size: number };
}

export interface ManifestCheck {
  dir: string;
  /** Files the manifest lists. */
  listed: number;
  intact: boolean;
  changed: ChangedFile[];
  missing: string[];
  added: string[];
  /** In the folder but impossible to check (a symlink leaving it, a FIFO): never intact. */
  refused: { path: string; reason: string }[];
}

/** Compares the folder with its manifest: every changed, missing, added and uncheckable file, not just the first. */
export async function verifyManifest(dir: string): Promise<ManifestCheck> {
  const manifest = await readManifest(dir);
  const found = await walk(dir);
  const onDisk = new Map(found.map((f) => [f.path, f]));
  const changed: ChangedFile[] = [];
  const missing: string[] = [];
  const refused: ManifestCheck['refused'] = [];
  const listed = new Set<string>();
  for (const entry of manifest.files) {
    listed.add(entry.path);
    const f = onDisk.get(entry.path);
    if (!f) missing.push(entry.path);
    else if ('refused' in f) refused.push({ path: f.path, reason: f.refused });
    else {
      const actual = await sha256File(f.real);
      if (actual.sha256 !== entry.sha256 || actual.size !== entry.size)
        changed.push({ path: entry.path, expected: { sha256: entry.sha256, size: entry.size }, actual });
    }
  }
  const added: string[] = [];
  for (const f of found) {
    if (listed.has(f.path)) continue;
    if ('refused' in f) refused.push({ path: f.path, reason: f.refused });
    else added.push(f.path);
  }
  return {
    dir,
    listed: manifest.files.length,
    intact: !changed.length && !missing.length && !added.length && !refused.length,
    changed,
    missing,
    added,
    refused,
  };
}
