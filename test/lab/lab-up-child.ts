import { Redactor } from '../../core/redact.js';
import { labUp } from '../../lab/up.js';

// `lab up` in a process of its own, so a test can SIGKILL it halfway.
const name = process.argv[2] ?? 't3';
await labUp({
  name,
  hosts: 2,
  volumes: 1,
  recreate: true,
  env: process.env,
  signal: AbortSignal.timeout(120_000),
  redactor: new Redactor(),
  progress: () => {},
});
