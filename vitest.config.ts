import { defineConfig } from 'vitest/config';

// Unit tests need no root and run in seconds; integration tests drive the lab
// (namespaces, ipmi_sim, snmpd, sshd, pacemaker, qemu) and share one machine,
// so they run one file at a time.

// Every test file's temporary directories live under one root, removed after the file (test/support/temp-dir.ts).
const TEMP_ROOT = './test/support/temp-root.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          setupFiles: [TEMP_ROOT],
          include: ['**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', 'node_modules/**', 'dist/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          setupFiles: [TEMP_ROOT],
          include: ['**/*.integration.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
