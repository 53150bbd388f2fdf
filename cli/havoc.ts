#!/usr/bin/env node
import { keepYoungGenerationSmall } from '../exporters/heap-policy.js';

// Before the CLI's modules load: loading them is what first grows the young generation.
keepYoungGenerationSmall();
const { runCli } = await import('./program.js');

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
process.exitCode = code;
