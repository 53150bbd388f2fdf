import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { host, inventory } from '../inventory/build.js';
import { CimcTestServer } from '../support/cimc-server.js';
import { freeUdpPort } from '../support/ipmi-sim-fixture.js';
import { awaitStderr, spawnWatched } from '../support/process-tree.js';
import { RedfishTestServer } from '../support/redfish-server.js';
import { leaksIn } from '../support/secret-leaks.js';
import { tempDir } from '../support/temp-dir.js';
import { havoc } from './run.js';

const BMC_SECRET = 'Hunter2-bmc-Secret';
const COMMUNITY = 'c0mmunity-Secret';

/**
 * The secrets are deliberately also used as the cluster name and in an
 * address, so every output path that prints those has to redact them.
 */
function inventoryWithSecrets(): string {
  const dir = tempDir('havoc-secret-');
  writeFileSync(join(dir, 'bmc.secret'), `${BMC_SECRET}\n`, { mode: 0o600 });
  const input = inventory({
    cluster: { name: BMC_SECRET },
    hosts: ['h1', 'h2', 'h3'].map((n) =>
      host(n, {
        address: n === 'h1' ? `${COMMUNITY}.example` : `${n}.example`,
        bmc: { type: 'ipmi', address: `${n}-bmc`, user: 'fence', password: { file: 'bmc.secret' } },
        // A finding on every host, so preflight prints something about each.
        fencing: { levels: [{ devices: [{ type: 'bmc' }] }], delaySeconds: n === 'h1' ? 1 : undefined },
      }),
    ),
  });
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, stringify(input));
  return file;
}

describe('a secret from an inventory never appears in any output, log or error', () => {
  const file = inventoryWithSecrets();
  const env = { HAVOC_TEST_COMMUNITY: COMMUNITY };
  const runs: [string, string[]][] = [
    ['validate', ['--log-level', 'trace', 'validate', file]],
    ['validate --json', ['--json', '--log-level', 'trace', 'validate', file]],
    ['preflight', ['--log-level', 'trace', 'preflight', file]],
    ['preflight --json', ['--json', '--log-level', 'trace', 'preflight', file]],
  ];
  for (const [name, args] of runs) {
    it(name, async () => {
      const r = await havoc(args, env);
      const all = r.stdout + r.stderr;
      expect(all).not.toContain(BMC_SECRET);
      expect(all).not.toContain(COMMUNITY);
      // The redaction really happened where the values would have been printed.
      expect(all).toContain('[redacted]');
    });
  }

  it('an unset secret environment variable is an error naming the variable, not the value', async () => {
    const r = await havoc(['--json', 'preflight', file], {});
    const report = JSON.parse(r.stdout) as { findings: { id: string; message: string }[] };
    const unresolved = report.findings.filter((f) => f.id === 'secret.unresolved');
    expect(unresolved.length).toBeGreaterThan(0);
    expect(unresolved[0]?.message).toMatch(/environment variable HAVOC_TEST_COMMUNITY is not set/);
    expect(r.code).toBe(1);
  });
});

/*
 * Secrets with every character JSON escapes (quotes, backslashes, a newline, a
 * tab) and non-ASCII text, through every command that can run without root, at
 * log level trace. The BMCs are the Redfish test server (after DMTF's
 * public-rackmount1 mockup) and the CIMC test server (after Cisco's IMC XML API
 * guide): no real Redfish BMC or CIMC runs here. The IPMI BMC and the switches
 * are closed UDP ports, so their errors are printed too. The real ipmi_sim and
 * snmpd are in secrets.integration.test.ts. Each run of plain characters in a
 * secret is a word found nowhere else, so a secret cut apart by an encoder is
 * still found (test/support/secret-leaks.ts).
 */
const REDFISH_PW = 'rfAlpha"rfBeta\\rfGamma\nrfDelta\trfEpsilön€';
const CIMC_PW = 'ciAlpha"ciBeta&<\\ciGamma\nciDeltä€';
// IPMI 2.0 passwords are at most 20 bytes.
const IPMI_PW = 'ipAlpha"\\\nöipBeta€';
const COMMUNITY_PW = 'swAlpha"swBeta\\swGamma\nswDeltä€';
const SECRETS = [REDFISH_PW, CIMC_PW, IPMI_PW, COMMUNITY_PW];

describe('secrets with quotes, backslashes, a newline and non-ASCII never leak, at log level trace', () => {
  let redfish: RedfishTestServer;
  let cimc: CimcTestServer;
  let dir: string;
  let file: string;
  let before: string[];
  const env = { HAVOC_TEST_BMC: 'unused-bmc-secret' };
  /** Session tokens and cookies the BMCs handed out: secrets too. */
  const tokens = () => [...[...redfish.sessions.values()].map((s) => s.token), ...[...cimc.sessions.keys()]];
  const expectNoLeak = (texts: Record<string, string>) => {
    expect([...leaksIn(texts, SECRETS), ...leaksIn(texts, tokens(), { fragments: false })]).toEqual([]);
  };

  beforeAll(async () => {
    // The user and the BMC address are secrets too, so every line that names them must be redacted.
    redfish = await RedfishTestServer.start({ user: REDFISH_PW, password: REDFISH_PW });
    cimc = await CimcTestServer.start({ password: CIMC_PW });
    dir = tempDir('havoc-secret-chars-');
    const secretFile = (name: string, value: string) => {
      writeFileSync(join(dir, name), `${value}\n`, { mode: 0o600 });
      return { file: name };
    };
    // A free port nobody listens on.
    const closed = await freeUdpPort();
    const base = inventory();
    const input = inventory({
      switches: (base.switches ?? []).map((s) => ({
        ...s,
        address: '127.0.0.1',
        port: closed,
        snmp: { version: '2c' as const, community: secretFile('community', COMMUNITY_PW) },
      })),
      hosts: [
        host('h1', {
          bmc: {
            type: 'redfish',
            baseUrl: redfish.url,
            user: redfish.user,
            password: secretFile('rf', REDFISH_PW),
          },
          fencing: { levels: [{ devices: [{ type: 'bmc' }] }], delaySeconds: 5 },
        }),
        host('h2', {
          bmc: { type: 'cimc', url: cimc.url, user: cimc.user, password: secretFile('cimc', CIMC_PW) },
          fencing: { levels: [{ devices: [{ type: 'bmc' }] }] },
        }),
        host('h3', {
          bmc: {
            type: 'ipmi',
            address: IPMI_PW,
            user: 'fence',
            password: secretFile('ipmi', IPMI_PW),
          },
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
    before = readdirSync(dir).sort();
  });

  afterAll(async () => {
    await redfish?.stop();
    await cimc?.stop();
  });

  const runs: [string, string[], number][] = [
    ['validate', ['validate', '@'], 0],
    ['preflight', ['preflight', '@'], 0],
    ['fence h1 status (Redfish)', ['-i', '@', 'fence', 'h1', 'status'], 0],
    ['fence h1 reboot (Redfish)', ['-i', '@', 'fence', 'h1', 'reboot'], 0],
    ['fence h2 off (CIMC)', ['-i', '@', 'fence', 'h2', 'off'], 0],
    ['fence h2 on (CIMC)', ['-i', '@', 'fence', 'h2', 'on'], 0],
    [
      'fence h3 status (IPMI and switch ports, nothing answers)',
      ['-i', '@', 'fence', 'h3', 'status', '--timeout', '1'],
      1,
    ],
    ['fence h1 list', ['-i', '@', 'fence', 'h1', 'list'], 0],
  ];
  for (const [name, args, code] of runs) {
    for (const json of [false, true]) {
      it(`${name}${json ? ' --json' : ''}`, async () => {
        const argv = [
          ...(json ? ['--json'] : []),
          '--log-level',
          'trace',
          ...args.map((a) => (a === '@' ? file : a)),
        ];
        const r = await havoc(argv, env);
        expect(r.code, r.stderr).toBe(code);
        expectNoLeak({ stdout: r.stdout, stderr: r.stderr });
        // h1's user and h3's BMC address are secrets: where they would have been printed, they were redacted.
        if (/fence h[13] (status|reboot)/.test(name)) expect(r.stdout + r.stderr).toContain('[redacted]');
      });
    }
  }

  it('the Redfish and CIMC logins really used the secrets (sessions were opened)', () => {
    expect(redfish.sessions.size).toBeGreaterThan(0);
    expect(cimc.sessions.size).toBeGreaterThan(0);
  });

  it('fence_havoc (a process, options on stdin, verbose): output and argument lists are clean', async () => {
    const p = spawnWatched('node', ['--import', 'tsx', 'fencers/fence_havoc.ts'], {
      // No resident agent: this process does the work itself.
      env: { ...process.env, ...env, HAVOC_FENCE_AGENT_SOCKET: join(dir, 'no-agent.sock') },
      stdin: `action=reboot\nplug=h1\ninventory=${file}\nverbose=1\n`,
    });
    expect(await p.exited, p.stderr()).toBe(0);
    expect(p.stdout()).toContain('Success: Rebooted');
    expect(p.stderr()).toContain('[redacted]');
    expect(p.cmdlines.size).toBeGreaterThan(0);
    expectNoLeak({ stdout: p.stdout(), stderr: p.stderr(), cmdlines: [...p.cmdlines].join('\n') });
  });

  it('exporter serve (a process) and a scrape of every module: bodies, logs and argument lists are clean', async () => {
    const p = spawnWatched(
      'node',
      [
        '--import',
        'tsx',
        'cli/havoc.ts',
        '--log-level',
        'trace',
        '-i',
        file,
        'exporter',
        'serve',
        '--listen',
        '127.0.0.1:0',
      ],
      { env: { ...process.env, ...env } },
    );
    try {
      const url = (await awaitStderr(p, /listening on (http:\/\/\S+)/))[1];
      const bodies: Record<string, string> = {};
      const probes = [
        'h1&module=bmc',
        'h2&module=bmc',
        'h3&module=bmc',
        'sw1&module=switch',
        'test&module=cluster',
      ];
      for (const q of probes) {
        const res = await fetch(`${url}/probe?target=${q}`, {
          headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '2' },
          signal: AbortSignal.timeout(10_000),
        });
        bodies[q] = await res.text();
      }
      for (const path of ['/metrics', '/sd']) bodies[path] = await (await fetch(`${url}${path}`)).text();
      expect(bodies['h1&module=bmc']).toMatch(/^havoc_bmc_up 1$/m);
      expect(bodies['h2&module=bmc']).toMatch(/^havoc_bmc_up 1$/m);
      expect(bodies['h3&module=bmc']).toContain('havoc_up{module="bmc"} 0');
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expectNoLeak({
        ...bodies,
        stdout: p.stdout(),
        stderr: p.stderr(),
        cmdlines: [...p.cmdlines].join('\n'),
      });
      // The failing collectors were logged, so there were log lines to check.
      expect(p.stderr()).toMatch(/"msg":"collector failed"/);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('no command wrote a file (the directory holds only the inventory and the secret files)', () => {
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe('a secret shorter than 4 characters is refused where it is read, with the YAML path and the fix', () => {
  it('preflight reports it as secret.unresolved', async () => {
    const dir = tempDir('havoc-short-secret-');
    writeFileSync(join(dir, 'short'), 'pub\n', { mode: 0o600 });
    const base = inventory();
    const input = inventory({
      switches: (base.switches ?? []).map((sw) => ({
        ...sw,
        snmp: { version: '2c' as const, community: { file: 'short' } },
      })),
    });
    writeFileSync(join(dir, 'inventory.yaml'), stringify(input));
    const r = await havoc(['--json', 'preflight', join(dir, 'inventory.yaml')]);
    const report = JSON.parse(r.stdout) as { findings: { id: string; message: string }[] };
    const messages = report.findings.filter((f) => f.id === 'secret.unresolved').map((f) => f.message);
    expect(messages, JSON.stringify(messages)).toContain(
      "switches[0].snmp.community: the secret in file short has 3 characters, too short to be hidden from havoc's output: use a secret of at least 4 characters (change it on the device too)",
    );
    expect(r.stdout + r.stderr).not.toMatch(/\bpub\b/);
    expect(r.code).toBe(1);
  });
});
