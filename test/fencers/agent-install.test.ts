import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unreadableByOthers } from '../../fencers/agent-install.js';
import { tempDir } from '../support/temp-dir.js';

describe('unreadableByOthers (can pacemaker-controld, as hacluster, read fence_havoc?)', () => {
  it('names the first folder closed to other users, then the file, and nothing once both are open', () => {
    const dir = tempDir('agent-install');
    const sub = join(dir, 'dist');
    const program = join(sub, 'fence_havoc.mjs');
    // The test root is made 0700 (as mkdtemp and `mktemp -d` make a CI clone's folder).
    chmodSync(dir, 0o755);
    chmodSync(dirname(dir), 0o700);
    mkdirSync(sub, { mode: 0o755 });
    chmodSync(sub, 0o755);
    writeFileSync(program, '// bundle\n', { mode: 0o600 });
    expect(unreadableByOthers(program)).toBe(`${program} is not readable by other users`);
    chmodSync(program, 0o644);
    expect(unreadableByOthers(program)).toBe(`${dirname(dir)} (mode 700) is closed to other users`);
    chmodSync(dirname(dir), 0o755);
    expect(unreadableByOthers(program)).toBeUndefined();
    chmodSync(sub, 0o750);
    expect(unreadableByOthers(program)).toBe(`${sub} (mode 750) is closed to other users`);
    chmodSync(dirname(dir), 0o700);
  });
});
