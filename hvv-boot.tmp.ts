import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { buildGuestImage } from './lab/guest/initramfs.js';
import { startVm, stopVm } from './lab/vm/qemuProcess.js';
import { createTestbed, destroyTestbed, vmSpecOn } from './lab/vm/testbed.js';
import { vmPaths } from './lab/vm/vmSpec.js';
const image = await buildGuestImage({ cacheDir: join(tmpdir(), 'havoc-guest-cache') });
const tb = await createTestbed({ hosts: 1 });
try {
  for (let i = 0; i < 2; i++) {
    const spec = vmSpecOn(tb, 0, image);
    const t0 = performance.now();
    await startVm(spec);
    const t1 = performance.now();
    let text = '';
    while (!text.includes('ready')) { await new Promise((r) => setTimeout(r, 50)); text = await readFile(vmPaths(spec.stateDir).consoleLog, 'utf8').catch(() => ''); }
    console.log(`daemonized ${Math.round(t1 - t0)} ms, ready line at ${Math.round(performance.now() - t0)} ms: ${text.trim()}`);
    await stopVm(spec);
  }
} finally { await destroyTestbed(tb); }
