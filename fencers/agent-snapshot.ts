import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redactor } from '../core/redact.js';
import type { LoadedInventory } from '../inventory/load.js';
import type { Inventory } from '../inventory/schema.js';
import type { LocatedSecretRef } from '../inventory/secret-refs.js';
import { SecretResolver } from '../inventory/secrets.js';

/*
 * What fence_havoc needs from the inventory, validated once by `havoc
 * fence-agent install` and sealed, so that a fence does not parse YAML and
 * run the schema again (most of a new process's time before it speaks to a
 * BMC). The snapshot holds the validated inventory and its secret
 * references, never a secret value: secrets are still read from their files
 * or the environment at fence time. It is bound to the inventory file by the
 * SHA-256 of its bytes and to the havoc version that validated it; a
 * snapshot that does not match is not used, and fence_havoc says so.
 */

const FORMAT = 1;

export interface FenceSnapshot {
  format: typeof FORMAT;
  /** The havoc version whose schema validated `inventory`. */
  havoc: string;
  /** Absolute path of the inventory file. */
  file: string;
  /** SHA-256 (hex) of the inventory file's bytes when it was validated. */
  fileSha256: string;
  inventory: Inventory;
  secretRefs: LocatedSecretRef[];
  /** SHA-256 (hex) of the JSON of the fields above: a damaged snapshot is refused. */
  seal: string;
}

/** Where `fence-agent install` writes the snapshot by default. */
export const DEFAULT_SNAPSHOT = '/var/lib/havoc/fence_havoc.snapshot.json';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The version in havoc's package.json, the nearest above this module (fencers/, dist/fencers/ or the bundle's folder). */
export function havocVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 3; up++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === 'havoc') return pkg.version;
    } catch {
      // not here: one folder up
    }
  }
  throw new Error(`havoc's package.json not found above ${fileURLToPath(import.meta.url)}`);
}

function sealOf(s: Omit<FenceSnapshot, 'seal'>): string {
  return sha256(JSON.stringify([s.format, s.havoc, s.file, s.fileSha256, s.inventory, s.secretRefs]));
}

/** Writes the snapshot of an inventory that was just loaded and validated (atomically, mode 0600). */
export function writeFenceSnapshot(
  path: string,
  loaded: LoadedInventory,
  secretRefs: LocatedSecretRef[],
): FenceSnapshot {
  const body = {
    format: FORMAT,
    havoc: havocVersion(),
    file: resolve(loaded.file),
    fileSha256: sha256(readFileSync(loaded.file)),
    inventory: loaded.inventory,
    secretRefs,
  } as const;
  const snapshot: FenceSnapshot = { ...body, seal: sealOf(body) };
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(snapshot)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return snapshot;
}

export type SnapshotOutcome =
  | { kind: 'fresh'; loaded: LoadedInventory; secretRefs: LocatedSecretRef[] }
  | { kind: 'unusable'; reason: string };

/**
 * The snapshot at `path` if it is the validated form of `inventoryFile` as
 * it is now; otherwise why not (the caller then loads the inventory in full).
 */
export function readFenceSnapshot(
  path: string,
  inventoryFile: string,
  redactor: Redactor,
  env: NodeJS.ProcessEnv,
): SnapshotOutcome {
  let snapshot: FenceSnapshot;
  try {
    snapshot = JSON.parse(readFileSync(path, 'utf8')) as FenceSnapshot;
  } catch (err) {
    return { kind: 'unusable', reason: `cannot read ${path}: ${(err as Error).message}` };
  }
  const { seal, ...body } = snapshot;
  if (snapshot.format !== FORMAT || seal !== sealOf(body)) {
    return { kind: 'unusable', reason: `${path} is damaged or of another format` };
  }
  const file = resolve(inventoryFile);
  if (snapshot.file !== file) {
    return { kind: 'unusable', reason: `${path} is the snapshot of ${snapshot.file}, not of ${file}` };
  }
  const version = havocVersion();
  if (snapshot.havoc !== version) {
    return { kind: 'unusable', reason: `${path} was written by havoc ${snapshot.havoc}, this is ${version}` };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    return { kind: 'unusable', reason: `cannot read ${file}: ${(err as Error).message}` };
  }
  if (sha256(bytes) !== snapshot.fileSha256) {
    return { kind: 'unusable', reason: `${file} changed since the snapshot ${path} was written` };
  }
  return {
    kind: 'fresh',
    loaded: {
      file,
      inventory: snapshot.inventory,
      secrets: new SecretResolver(dirname(file), redactor, env),
      redactor,
    },
    secretRefs: snapshot.secretRefs,
  };
}
