import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { labStateDir } from '../../lab/paths.js';
import type { LabState } from '../../lab/state.js';
import { host, inventory } from '../inventory/build.js';
import { type IpmiSimFixture, startIpmiSimFixture } from '../support/ipmi-sim-fixture.js';
import { awaitStderr, spawnWatched, treeCmdlines, type WatchedProcess } from '../support/process-tree.js';
import { filesUnder, leaksIn } from '../support/secret-leaks.js';
import { type SnmpdAgent, startSnmpd } from '../support/snmpd.js';
import { tempDir } from '../support/temp-dir.js';
import { havoc } from './run.js';

/*
 * Secrets with unusual characters against the real peers, at log level trace:
 * fence and fence_havoc through a real ipmi_sim and a real snmpd, the exporter
 * scraping both, and the lab's own commands. What each peer's configuration
 * file can hold limits the characters (found here):
 * - ipmi_sim's lan.conf: a password is a double-quoted word without `"`, `\`
 *   or whitespace (lab/ipmi-sim.ts refuses those) and at most 19 bytes
 *   (ipmi_sim truncates a 20-byte one: ipmitool with all 20 bytes is refused,
 *   with the first 19 it logs in). Non-ASCII,
 *   `'`, `$`, `#`, `&`, `<`, `>`, `{`, `}` work.
 * - snmpd.conf (rocommunity "..." with `"` and `\` escaped, as
 *   test/support/snmpd.ts writes it): `"`, `#`, `&`, `<`, `>` and non-ASCII
 *   work; with `'` or `\` in the community snmpd did not answer it.
 * - no configuration line can hold a newline; the newline, tab and backslash
 *   cases run against the Redfish and CIMC test servers in secrets.test.ts.
 */
const LAB = 'secrets1';
const IPMI_PW = "ipAlpha'Ä€$#&<>";
const READ_COMMUNITY = 'swAlpha"swBetä€&<>#';
const WRITE_COMMUNITY = 'swWrite"swGammä€#';
const SECRETS = [IPMI_PW, READ_COMMUNITY, WRITE_COMMUNITY];

const run = (args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): WatchedProcess =>
  spawnWatched('node', ['--import', 'tsx', ...args], { ...opts, env: { ...process.env, ...opts.env } });

function expectNoLeak(texts: Record<string, string>, secrets: readonly string[] = SECRETS): void {
  expect(leaksIn(texts, secrets)).toEqual([]);
}

describe('secrets with quotes and non-ASCII never leak through fence, fence_havoc and the exporter (real ipmi_sim and snmpd)', () => {
  let bmc: IpmiSimFixture;
  let agent: SnmpdAgent;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    bmc = await startIpmiSimFixture('normal', { admin: IPMI_PW });
    agent = await startSnmpd({ ports: 2, communities: { read: READ_COMMUNITY, write: WRITE_COMMUNITY } });
    dir = tempDir('havoc-secrets-int-');
    const secret = (name: string, value: string) => {
      writeFileSync(join(dir, name), `${value}\n`, { mode: 0o600 });
      return { file: name };
    };
    const sw = {
      name: 'sw1',
      address: agent.address,
      port: agent.port,
      snmp: {
        version: '2c' as const,
        community: secret('community', READ_COMMUNITY),
        writeCommunity: secret('write-community', WRITE_COMMUNITY),
      },
    };
    const input = inventory({
      switches: [sw],
      hosts: [
        host('h1', {
          bmc: {
            type: 'ipmi',
            address: '127.0.0.1',
            port: bmc.port,
            user: bmc.admin.name,
            password: secret('bmc', IPMI_PW),
          },
          bonds: [],
          nics: [{ name: 'eth0', networks: ['storage', 'hb'], switchPort: { switch: 'sw1', port: 'swp1' } }],
          fencing: {
            levels: [
              { devices: [{ type: 'bmc' }] },
              { devices: [{ type: 'switch-ports', networks: ['storage'] }] },
            ],
          },
        }),
      ],
    });
    file = join(dir, 'inventory.yaml');
    writeFileSync(file, stringify(input));
  });

  afterAll(async () => {
    await bmc?.stop();
    await agent?.stop();
  });

  const runs: [string, string[]][] = [
    ['fence h1 status', ['fence', 'h1', 'status']],
    ['fence h1 off (IPMI)', ['fence', 'h1', 'off']],
    ['fence h1 on (IPMI)', ['fence', 'h1', 'on']],
    ['fence h1 off --level 2 (switch ports)', ['fence', 'h1', 'off', '--level', '2']],
    ['fence h1 on --level 2 (switch ports)', ['fence', 'h1', 'on', '--level', '2']],
  ];
  for (const [name, args] of runs) {
    it(`${name} --json at trace`, async () => {
      const r = await havoc(['--json', '--log-level', 'trace', '-i', file, ...args]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expectNoLeak({ stdout: r.stdout, stderr: r.stderr });
    });
  }

  it('the fences reached the real peers: ipmi_sim saw the power commands', async () => {
    expect(await bmc.calls()).toEqual(expect.arrayContaining(['set power 0', 'set power 1']));
  });

  it('fence_havoc (a process, verbose) reboots through ipmi_sim: output and argument lists are clean', async () => {
    const p = run(['fencers/fence_havoc.ts'], {
      env: { HAVOC_FENCE_AGENT_SOCKET: join(dir, 'no-agent.sock') },
      stdin: `action=reboot\nplug=h1\ninventory=${file}\nverbose=1\n`,
    });
    expect(await p.exited, p.stderr()).toBe(0);
    expect(p.stdout()).toContain('Success: Rebooted');
    expectNoLeak({ stdout: p.stdout(), stderr: p.stderr(), cmdlines: [...p.cmdlines].join('\n') });
  });

  it('exporter serve at trace, scraped for the BMC and the switch: bodies, logs and argument lists are clean', async () => {
    const p = run([
      'cli/havoc.ts',
      '--log-level',
      'trace',
      '-i',
      file,
      'exporter',
      'serve',
      '--listen',
      '127.0.0.1:0',
    ]);
    try {
      const url = (await awaitStderr(p, /listening on (http:\/\/\S+)/))[1];
      const bodies: Record<string, string> = {};
      for (const q of ['h1&module=bmc', 'sw1&module=switch']) {
        const res = await fetch(`${url}/probe?target=${q}`, { signal: AbortSignal.timeout(20_000) });
        bodies[q] = await res.text();
      }
      expect(bodies['h1&module=bmc']).toMatch(/^havoc_bmc_up 1$/m);
      expect(bodies['h1&module=bmc']).toMatch(/^havoc_bmc_auth_ok 1$/m);
      expect(bodies['sw1&module=switch']).toMatch(/^havoc_up\{module="switch"\} 1$/m);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expectNoLeak({
        ...bodies,
        stdout: p.stdout(),
        stderr: p.stderr(),
        cmdlines: [...p.cmdlines].join('\n'),
      });
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it("the peers' own argument lists do not carry the secrets either (they read them from 0600 files)", () => {
    expectNoLeak({
      ipmi_sim: treeCmdlines(bmc.handle.pid).join('\n'),
      snmpd: treeCmdlines(agent.pid).join('\n'),
    });
  });
});

describe(`the lab's commands at trace never print the lab's secrets (lab ${LAB})`, () => {
  const env = { HAVOC_LAB_DIR: process.env.HAVOC_LAB_DIR ?? '/var/lib/havoc/labs' };
  const stateDir = labStateDir(LAB, env);
  let labSecrets: string[] = [];
  const outputs: Record<string, string> = {};
  const cmdlines = new Set<string>();
  const lab = async (args: string[]) => {
    const p = run(['cli/havoc.ts', '--log-level', 'trace', 'lab', ...args, '--name', LAB], { env });
    const code = await p.exited;
    outputs[`lab ${args.join(' ')}: stdout`] = p.stdout();
    outputs[`lab ${args.join(' ')}: stderr`] = p.stderr();
    for (const c of p.cmdlines) cmdlines.add(c);
    return { code, p };
  };

  beforeAll(async () => {
    const up = await lab(['up', '--hosts', '2', '--recreate']);
    expect(up.code, up.p.stderr()).toBe(0);
    const dir = join(stateDir, 'secrets');
    labSecrets = readdirSync(dir)
      .filter((f) => !f.endsWith('.pub') && !f.startsWith('known_hosts'))
      .map((f) => readFileSync(join(dir, f), 'utf8').replace(/\n$/, ''));
  });

  afterAll(async () => {
    await lab(['down']);
  });

  it('lab up, status and status --json: no lab secret in their output or any argument list of the lab', async () => {
    expect((await lab(['status'])).code).toBe(0);
    const json = run(['cli/havoc.ts', '--json', '--log-level', 'trace', 'lab', 'status', '--name', LAB], {
      env,
    });
    expect(await json.exited).toBe(0);
    outputs['lab status --json'] = json.stdout() + json.stderr();
    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as LabState;
    const pids = state.processes.flatMap((p) => (p.pid ? [p.pid] : []));
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) for (const c of treeCmdlines(pid)) cmdlines.add(c);
    expect(labSecrets.length).toBeGreaterThanOrEqual(6);
    expect(
      leaksIn({ ...outputs, cmdlines: [...cmdlines].join('\n') }, labSecrets, { fragments: false }),
    ).toEqual([]);
  });

  it('only owner-only files of the lab hold its secrets (the secret files and the peers configuration)', () => {
    const holders = Object.entries(filesUnder(stateDir)).filter(
      ([, text]) => leaksIn({ text }, labSecrets, { fragments: false }).length > 0,
    );
    expect(holders.length).toBeGreaterThan(0);
    for (const [path] of holders)
      expect({ path, mode: statSync(path).mode & 0o077 }).toEqual({ path, mode: 0 });
  });

  it('lab down at trace prints no lab secret', async () => {
    expect((await lab(['down'])).code).toBe(0);
    expect(leaksIn(outputs, labSecrets, { fragments: false })).toEqual([]);
  });
});
