import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { bmcCollector } from '../../exporters/collectors/bmc.js';
import { runProbe } from '../../exporters/probe.js';
import type { BmcConfig } from '../../inventory/schema.js';
import { host, inventory, load } from '../inventory/build.js';
import { CimcTestServer } from '../support/cimc-server.js';
import { RedfishTestServer } from '../support/redfish-server.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * The bmc module against Redfish and Cisco IMC BMCs. No real Redfish BMC or
 * CIMC runs on this machine: these are the stateful test servers of
 * test/support (Redfish resource shapes from DMTF's public-rackmount1
 * mockup; CIMC XML API from Cisco's IMC XML API guide), as the fence device
 * tests use. IPMI is tested against the lab's ipmi_sim (exporter.integration).
 */

const REDFISH = '(Redfish test server after DMTF mockup public-rackmount1)';
const CIMC = '(CIMC test server after the Cisco IMC XML API guide)';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function secretFile(value: string): string {
  const file = join(tempDir('havoc-bmc-pw-'), 'pw');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return file;
}

async function scrape(bmc: BmcConfig) {
  const loaded = load(inventory({ hosts: [host('h1', { bmc }), host('h2'), host('h3')] }));
  const result = await runProbe({
    target: 'h1',
    module: 'bmc',
    collectors: [bmcCollector],
    context: { loaded, log: pino({ level: 'silent' }), cache: new Map() },
    deadlineMs: 5000,
  });
  return result.registry.metrics();
}

describe('bmc module over Redfish and CIMC', () => {
  it(`Redfish: power state, auth ok, and the session is logged out ${REDFISH}`, async () => {
    const server = await RedfishTestServer.start({ systems: [{ id: '1', powerState: 'PoweringOff' }] });
    stops.push(() => server.stop());
    const text = await scrape({
      type: 'redfish',
      baseUrl: server.url,
      user: server.user,
      password: { file: secretFile(server.password) },
      insecureTls: false,
    });
    expect(text).toContain('havoc_up{module="bmc"} 1');
    expect(text).toContain('havoc_bmc_up 1');
    expect(text).toContain('havoc_bmc_auth_ok 1');
    expect(text).toContain('havoc_bmc_power_state{state="powering_off"} 1');
    expect(text).toContain('havoc_bmc_power_state{state="on"} 0');
    expect(text).not.toContain('havoc_bmc_ipmi_cipher_suite');
    expect(server.sessions.size).toBeGreaterThan(0);
    expect(server.openSessions()).toBe(0);
  });

  it(`Redfish: a wrong password is auth_ok 0 and reason auth ${REDFISH}`, async () => {
    const server = await RedfishTestServer.start({ systems: [{ id: '1', powerState: 'On' }] });
    stops.push(() => server.stop());
    const text = await scrape({
      type: 'redfish',
      baseUrl: server.url,
      user: server.user,
      password: { file: secretFile('wrong-password') },
      insecureTls: false,
    });
    expect(text).toContain('havoc_up{module="bmc"} 0');
    expect(text).toContain('havoc_scrape_error{module="bmc",collector="bmc",reason="auth"} 1');
    expect(text).toContain('havoc_bmc_up 1');
    expect(text).toContain('havoc_bmc_auth_ok 0');
  });

  it(`CIMC: operPower off, and the XML API session is logged out ${CIMC}`, async () => {
    const server = await CimcTestServer.start({ operPower: 'off' });
    stops.push(() => server.stop());
    const text = await scrape({
      type: 'cimc',
      url: server.url,
      user: server.user,
      password: { file: secretFile(server.password) },
      insecureTls: false,
    });
    expect(text).toContain('havoc_bmc_power_state{state="off"} 1');
    expect(text).toContain('havoc_bmc_auth_ok 1');
    expect(server.sessions.size).toBe(1);
    expect([...server.sessions.values()].every((s) => s.loggedOut)).toBe(true);
  });

  it('a BMC nobody listens on is havoc_bmc_up 0, reason unreachable', async () => {
    const server = await RedfishTestServer.start();
    const url = server.url;
    await server.stop();
    const text = await scrape({
      type: 'redfish',
      baseUrl: url,
      user: 'admin',
      password: { file: secretFile('whatever') },
      insecureTls: false,
    });
    expect(text).toContain('havoc_bmc_up 0');
    expect(text).toContain('reason="unreachable"');
    expect(text).not.toContain('havoc_bmc_auth_ok');
  });

  it('a missing secret file is reason secret, and no BMC state is claimed', async () => {
    const text = await scrape({
      type: 'redfish',
      baseUrl: 'http://127.0.0.1:9',
      user: 'admin',
      password: { file: '/nonexistent/havoc-pw' },
      insecureTls: false,
    });
    expect(text).toContain('havoc_scrape_error{module="bmc",collector="bmc",reason="secret"} 1');
    expect(text).not.toContain('havoc_bmc_up');
  });
});
