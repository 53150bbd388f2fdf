import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HavocError } from '../core/errors.js';
import { shQuote } from '../core/shell-quote.js';

/** Where pacemaker-fenced looks for fence agents (Pacemaker's STONITH_BINDIR on Debian and RHEL). */
export const STONITH_BINDIR = '/usr/sbin';

/** The built fence_havoc program beside this module (dist/fencers/fence_havoc.js). */
export function fenceHavocProgram(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = here.endsWith(join('dist', 'fencers'))
    ? join(here, 'fence_havoc.js')
    : resolve(here, '..', 'dist', 'fencers', 'fence_havoc.js');
  if (!existsSync(built)) {
    throw new HavocError('environment', `fence_havoc is not built (${built} is missing)`, {
      hint: 'run `npm run build`',
    });
  }
  return built;
}

/**
 * A wrapper script for STONITH_BINDIR: pacemaker-fenced only runs agents
 * named fence_* from there, and it runs them with a minimal environment, so
 * node and the inventory are named explicitly.
 */
export function fenceHavocWrapper(program: string, inventory?: string, node = process.execPath): string {
  const env = inventory ? `HAVOC_INVENTORY=${shQuote(inventory)} ` : '';
  return `#!/bin/sh\n# fence_havoc: written by \`havoc fence install-agent\`\n${env}exec ${shQuote(node)} ${shQuote(program)} "$@"\n`;
}

export function installFenceHavoc(path: string, inventory?: string): string {
  const script = fenceHavocWrapper(fenceHavocProgram(), inventory);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return path;
}
