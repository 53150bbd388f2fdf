import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { labDown } from '../../lab/down.js';
import { labStateDir } from '../../lab/paths.js';
import { checkLabPrerequisites } from '../../lab/prerequisites.js';
import { netnsInode } from '../../lab/process-identity.js';
import type { LabState } from '../../lab/state.js';
import { netnsNames, pidsInNetnsInode, pidsMentioning, rootLinkNames } from './lab-peers.js';

const LAB = 't3';
const env = process.env;

afterAll(async () => {
  await labDown({ name: LAB, env, signal: AbortSignal.timeout(30_000) });
});

describe('lab down after lab up was SIGKILLed halfway', () => {
  it('removes every namespace, link and process the killed lab up had created', async () => {
    checkLabPrerequisites(env);
    await labDown({ name: LAB, env, signal: AbortSignal.timeout(30_000) });
    const dir = labStateDir(LAB, env);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'lab-up-child.ts'), LAB],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));

    // Halfway: the wiring exists and the first daemons are being started.
    const state = await pollUntil(
      async () => {
        try {
          const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as LabState;
          return s.processes.length >= 1 ? s : undefined;
        } catch {
          return undefined;
        }
      },
      deadlineSignal(60_000, 'lab up reaching its daemons'),
      { initialMs: 2, maxMs: 5 },
    );
    child.kill('SIGKILL');
    await exited;
    expect(state.phase).toBe('creating');
    const inodes = state.namespaces.map((ns) => netnsInode(ns)).filter((i): i is number => i !== undefined);
    expect(inodes.length).toBeGreaterThan(0);

    const result = await labDown({ name: LAB, env, signal: AbortSignal.timeout(30_000) });
    expect(result.existed).toBe(true);
    expect((await netnsNames()).filter((n) => n.startsWith(`${LAB}-`))).toEqual([]);
    expect((await rootLinkNames()).filter((n) => n.startsWith(`${LAB}-`))).toEqual([]);
    // Host inits and daemons started after the last state write are found through their namespaces.
    await pollUntil(
      async () => (pidsMentioning(dir).length === 0 ? true : undefined),
      deadlineSignal(5000, 'lab processes gone'),
      {
        initialMs: 20,
        maxMs: 100,
      },
    );
    for (const inode of inodes) expect(pidsInNetnsInode(inode)).toEqual([]);
  });
});
