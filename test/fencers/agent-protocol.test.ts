import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HANDOFF_SCRIPT, systemPython } from '../../fencers/agent-install.js';
import {
  DEFAULT_REQUEST_TIMEOUT_S,
  invocationOptions,
  requestTimeoutMs,
} from '../../fencers/agent-options.js';
import { callOf, parseAgentRequest, replyLine } from '../../fencers/agent-protocol.js';

const request = {
  argv: [],
  stdin: 'action=off\nplug=h1\ninventory=inv/lab.yaml\n',
  cwd: '/srv/cluster',
  env: { HAVOC_FENCE_SNAPSHOT: 'snap.json', HAVOC_LAB_NAME: 'ha2', HAVOC_OTHER: 'x', HAVOC_INVENTORY: '' },
  deadline: 1234.5,
};

describe('the resident agent reads a request as fence_havoc would have', () => {
  it('parses the options from stdin, resolves paths from the client directory, keeps only the forwarded variables', () => {
    const call = callOf(parseAgentRequest(JSON.stringify(request))!);
    expect(call.opts).toMatchObject({ action: 'off', plug: 'h1', inventory: '/srv/cluster/inv/lab.yaml' });
    expect(call.env).toEqual({ HAVOC_FENCE_SNAPSHOT: '/srv/cluster/snap.json', HAVOC_LAB_NAME: 'ha2' });
    expect(call.deadline).toBe(1234.5);
  });

  it('takes the command line over stdin when there is one', () => {
    const call = callOf({ ...request, argv: ['-o', 'status', '-n', 'h2'], stdin: '' });
    expect(call.opts).toMatchObject({ action: 'status', plug: 'h2' });
  });

  it('refuses what is not a request (an older client, a foreign one, a broken line)', () => {
    for (const line of [
      '{"opts":{"action":"off"},"env":{},"deadline":1}',
      JSON.stringify({ ...request, argv: [1] }),
      JSON.stringify({ ...request, env: { HAVOC_INVENTORY: 3 } }),
      JSON.stringify({ ...request, deadline: '5' }),
      'null',
      '{"argv":',
    ])
      expect(parseAgentRequest(line), line).toBeUndefined();
  });
});

// The hand-off (Python, run by the wrapper before Node would start) reads power_timeout itself, so that it gives
// up on time when the agent hangs: its rule must be requestTimeoutMs's.
describe("agent-handoff.py's deadline is fence_havoc's", () => {
  const python = systemPython();
  const handoff = join(import.meta.dirname, '..', '..', 'fencers', HANDOFF_SCRIPT);
  const cases: [string[], string][] = [
    [[], 'action=off\nplug=h1\npower_timeout=5\n'],
    [[], 'action=off\npower-timeout = 2.5\n'],
    [[], 'action=off\nplug=h1\n'],
    [[], 'action=off\npower_timeout=0\n'],
    [[], 'action=off\npower_timeout=soon\n'],
    [['-o', 'off', '--power-timeout', '7'], ''],
    [['-o', 'off', '--power_timeout=9'], ''],
    [['-o', 'off'], 'power_timeout=3\n'],
  ];

  const inPython = (body: string, arg: unknown) => {
    const script = [
      'import importlib.util, json, sys',
      `spec = importlib.util.spec_from_file_location('handoff', ${JSON.stringify(handoff)})`,
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      'arg = json.loads(sys.argv[1])',
      body,
    ].join('\n');
    const r = spawnSync(python!, ['-I', '-S', '-c', script, JSON.stringify(arg)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as unknown;
  };
  const awkward = 'a "quoted" \\ back\nslash, tab\t, été, 東京, \u0001, 😀';

  it("writes requests the agent reads, and reads the agent's replies, whatever the strings hold", () => {
    const line = inPython(
      "print(json.dumps(m.request_line(arg['argv'], arg['stdin'], arg['env'], 1234.5)))",
      { argv: ['-o', awkward], stdin: awkward, env: { HAVOC_INVENTORY: awkward } },
    ) as string;
    expect(line.endsWith('\n')).toBe(true);
    const request = parseAgentRequest(line.trimEnd());
    expect(request).toMatchObject({
      argv: ['-o', awkward],
      stdin: awkward,
      env: { HAVOC_INVENTORY: awkward },
    });
    expect(request?.deadline).toBe(1234.5);

    const reply = replyLine({ code: 2, stdout: awkward, stderr: `${awkward}\n` });
    expect(inPython('print(json.dumps(m.parse_reply(arg)))', reply)).toEqual([2, awkward, `${awkward}\n`]);
    for (const bad of ['', '{"code":0}', '{"stdout":"x","code":0,"stderr":""}', `${reply.trimEnd()}x`])
      expect(
        inPython(
          'try:\n    m.parse_reply(arg)\n    print(json.dumps("read"))\nexcept ValueError:\n    print(json.dumps("refused"))',
          bad,
        ),
        bad,
      ).toBe('refused');
  });

  it('gives the same timeout for every form of power_timeout, and the default without one', () => {
    expect(
      python,
      'no /usr/bin/python3 (Debian package python3, a dependency of fence-agents)',
    ).toBeDefined();
    const script = [
      'import importlib.util, json, sys',
      `spec = importlib.util.spec_from_file_location('handoff', ${JSON.stringify(handoff)})`,
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      `print(json.dumps([m.timeout_s(a, s, ${DEFAULT_REQUEST_TIMEOUT_S}) * 1000 for a, s in json.loads(sys.argv[1])]))`,
    ].join('\n');
    const r = spawnSync(python!, ['-I', '-S', '-c', script, JSON.stringify(cases)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const fromPython = JSON.parse(r.stdout) as number[];
    expect(fromPython).toEqual(
      cases.map(([argv, stdin]) => requestTimeoutMs(invocationOptions(argv, stdin))),
    );
    expect(fromPython).toEqual([5000, 2500, 60_000, 60_000, 60_000, 7000, 9000, 60_000]);
  });
});
