import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fenceHavocProgram, fenceHavocWrapper } from '../../fencers/agent-install.js';
import { agentMetadata } from '../../fencers/agent-metadata.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * The wrapper Pacemaker runs (/usr/sbin/fence_havoc). Its metadata answer
 * must come from the shell alone (Pacemaker 2.1.5-2.1.9 can lose the exit of
 * a slower metadata child, see fenceHavocWrapper): the wrapper is written
 * with a node that does not exist, so reaching it would fail. Every other
 * request must reach the program with its options as they came: a stand-in
 * for node prints what it was given.
 */
const dir = tempDir('agent-wrapper');
const echoNode = join(dir, 'echo-node');
writeFileSync(echoNode, '#!/bin/sh\nprintf "argv:%s\\n" "$*"\nprintf "stdin:"\ncat\n', { mode: 0o755 });

function wrapper(name: string, node: string): string {
  const path = join(dir, name);
  writeFileSync(path, fenceHavocWrapper(fenceHavocProgram(), { node, python: undefined }), { mode: 0o755 });
  return path;
}
const run = (path: string, args: string[], input?: string) =>
  spawnSync(path, args, {
    input: input ?? '',
    encoding: 'utf8',
    timeout: 10_000,
    env: { PATH: '/usr/bin:/bin' },
  });

describe('the fence_havoc wrapper', () => {
  const noNode = wrapper('fence_havoc-no-node', '/nonexistent/node');
  const echo = wrapper('fence_havoc-echo', echoNode);

  it('answers metadata itself, from stdin as Pacemaker asks and from the command line, byte for byte', () => {
    const forms: [string[], string][] = [
      [[], 'action=metadata\n'],
      [[], 'nodename=host1\n  action=metadata  \nplug=host1\n'],
      [[], 'option=metadata'],
      [['-o', 'metadata'], ''],
      [['--action', 'metadata'], ''],
      [['--action=metadata'], ''],
      [['--option=metadata'], ''],
    ];
    for (const [args, input] of forms) {
      const r = run(noNode, args, input);
      expect([r.status, r.stderr], JSON.stringify([args, input])).toEqual([0, '']);
      expect(r.stdout).toBe(agentMetadata());
    }
  });

  it('hands every other request to the program, stdin as it came (quotes, backslashes, $ and all), or the command line', () => {
    const input = "action=off\nplug=host1\ninventory=/srv/a b/inv'1\\n.yaml\nnote=$HOME `x`\n";
    const viaStdin = run(echo, [], input);
    expect(viaStdin.status, viaStdin.stderr).toBe(0);
    expect(viaStdin.stdout).toBe(`argv:${fenceHavocProgram()}\nstdin:${input}`);
    const viaArgv = run(echo, ['-o', 'status', '-n', 'host1']);
    expect(viaArgv.stdout).toBe(`argv:${fenceHavocProgram()} -o status -n host1\nstdin:\n`);
    // Not metadata: an option whose value merely mentions it.
    const lookalike = run(echo, [], 'action=off\nplug=action=metadata\n');
    expect(lookalike.stdout).toContain('stdin:action=off\nplug=action=metadata\n');
  });

  it('gives the real program a request it answers (metadata through the program too, for the same XML)', () => {
    const real = wrapper('fence_havoc-real', process.execPath);
    const r = run(real, [], 'action=validate-all\nplug=nobody\ninventory=/nonexistent/inventory.yaml\n');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/nonexistent/inventory.yaml');
    const direct = spawnSync(process.execPath, [fenceHavocProgram(), '-o', 'metadata'], { encoding: 'utf8' });
    expect(direct.stdout).toBe(agentMetadata());
  });
});
