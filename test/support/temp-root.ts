import { afterAll } from 'vitest';
import { openTempRoot } from './temp-dir.js';

// vitest setupFiles: runs before each test file, so every file gets its own root.
// Registered first, this afterAll runs after the file's own hooks (labs and daemons are stopped by then).
const temp = openTempRoot();
afterAll(() => temp.remove());
