import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/*
 * Build step (`npm run build`, after tsc): fence_havoc as one entry file plus
 * the chunks it loads on demand, in dist/fence_havoc/. Pacemaker starts a
 * new process for every fence and monitor, and resolving and loading a tree
 * of modules is a good part of its start-up. The packages it needs are
 * bundled too, each in a chunk loaded only when a path needs it (the schema
 * without a fresh snapshot, the logger with verbose, net-snmp for switch
 * ports), so the folder works wherever it is copied: Pacemaker's controller
 * reads the agent's metadata as hacluster, which cannot read a checkout in a
 * root-only folder (/root, a mktemp -d), so the lab copies the folder into
 * each host's /usr/sbin overlay. ssh2 stays external (native bindings; only
 * the virsh device needs it). The wrapper's hand-off to a resident agent
 * (agent-handoff.py) goes beside the bundle and beside the unbundled program.
 */

const dist = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(dist, 'fence_havoc');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(dist, 'fencers', 'fence_havoc.js')],
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['ssh2'],
  // CommonJS packages bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __havocRequire } from 'node:module'; const require = __havocRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
const handoff = join(dirname(dist), 'fencers', 'agent-handoff.py');
for (const dir of [out, join(dist, 'fencers')]) copyFileSync(handoff, join(dir, 'agent-handoff.py'));
