import { PassThrough } from 'node:stream';
import { runCli } from '../../cli/program.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the havoc CLI in-process with captured streams. */
export async function havoc(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += String(d);
  });
  stderr.on('data', (d) => {
    err += String(d);
  });
  const code = await runCli(args, {
    stdout,
    stderr,
    env: { HAVOC_LAB_DIR: '/nonexistent-havoc-lab', ...env },
  });
  return { code, stdout: out, stderr: err };
}
