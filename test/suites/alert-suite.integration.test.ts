import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, unreverted } from '../../chaos/ledger/reader.js';
import { readTimeline } from '../../chaos/timeline/index.js';
import { readLabState } from '../../lab/state.js';
import type { SuiteResult } from '../../suites/result.js';
import { havocChild } from '../chaos/chaos-cli.js';
import { waitForCluster } from '../lab-ha/ha-peers.js';
import { type AlertStack, eventually, startAlertStack } from '../support/alert-stack.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { freePort } from '../support/local-processes.js';
import { printMeasured, suiteResultOf } from '../support/suite-lab.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * alertFiredWithin through a real suite run, on the HA lab (2 hosts, one VM,
 * Pacemaker, fence_ipmilan): `havoc exporter serve`, Debian's Prometheus
 * (scrape and evaluation every 5 s) with the exported rules, Debian's
 * Alertmanager with the exported route example, whose havoc-suite receiver
 * points at `havoc suite run --alert-webhook` (the CLI, as a child process:
 * its receiver is chaos/watchers/alertmanager.ts). The step sets the storage
 * switch port of the host not running vm1 down (SNMP ifAdminStatus) and
 * expects HASwitchPortDown (for: 30s) for that host. Once within 2 minutes
 * (pass, with the time measured), once within 10 s, less than the rule's
 * for: allows (fail, with the reason). Times are printed, never asserted.
 */

const LAB = 'awsuite';
let lab: TestLab;
let stack: AlertStack;
let scratch: string;
let webhookPort = 0;
const measured: Record<string, string> = {};

const suiteFile = (name: string, targetMs: number, hold: string) => `name: ${name}
steps:
  - name: storage port of the host without vm1 down
    select:
      vmhost: {runningVm: vm1}
      host: {random: host, except: [$vmhost]}
    fault: link-down
    targets: [$host]
    params: {port: {storagePortOf: $host}}
    hold: ${hold}
    expect:
      - alertFiredWithin: {alertname: HASwitchPortDown, labels: {host: $host, severity: critical}, targetMs: ${targetMs}}
`;

beforeAll(async () => {
  lab = await startTestLab(LAB, { ha: { vms: 1, fenceAgent: 'fence_ipmilan' }, timeoutMs: 240_000 });
  await waitForCluster(readLabState(lab.stateDir)!, 'host1', 'vm1 Started', 120_000, (st) =>
    st.resources.some((r) => r.id === 'vm1' && r.role === 'Started') ? true : undefined,
  );
  scratch = tempDir('havoc-alert-suite-');
  webhookPort = await freePort();
  // Pager and tickets go nowhere (a port nothing holds): this test reads only the suite run's receiver.
  const nowhere = `http://127.0.0.1:${await freePort()}/`;
  stack = await startAlertStack({
    inventory: lab.inventory,
    work: scratch,
    route: { suiteUrl: `http://127.0.0.1:${webhookPort}/`, pagerUrl: nowhere, ticketUrl: nowhere },
  });
  // Every switch port scraped (up) before the first fault, so the alert's for: starts at the fault.
  await eventually(
    'every host switch port scraped up',
    async () => {
      const ports = await stack.query('havoc_switch_host_port_up');
      return ports.length > 0 && ports.every((p) => p.value[1] === '1') ? true : undefined;
    },
    120_000,
  );
}, 400_000);

afterAll(async () => {
  printMeasured('alertFiredWithin through havoc suite run --alert-webhook', measured);
  await stack?.stop();
  await lab?.down();
}, 120_000);

async function noPortAlert() {
  await eventually(
    'HASwitchPortDown not active before the run',
    async () => ((await stack.query('ALERTS{alertname="HASwitchPortDown"}')).length === 0 ? true : undefined),
    120_000,
  );
}

async function runSuite(name: string, targetMs: number, hold: string) {
  const file = join(scratch, `${name}.yaml`);
  writeFileSync(file, suiteFile(name, targetMs, hold));
  const ledger = join(scratch, name, 'ledger');
  const out = join(scratch, name, 'reports');
  const r = await havocChild([
    '-i',
    lab.inventory,
    '--json',
    'suite',
    'run',
    file,
    '--ledger',
    ledger,
    '--out',
    out,
    '--alert-webhook',
    `127.0.0.1:${webhookPort}`,
  ]);
  const result = suiteResultOf(r.stdout);
  expect(unreverted(readLedger(ledger))).toEqual([]);
  const verdict = result.steps[0]!.verdicts.find((v) => v.expectation === 'alertFiredWithin')!;
  measured[`${name} outcome`] =
    `${result.outcome} (exit ${r.code}) in ${(result.durationMs / 1000).toFixed(1)} s`;
  measured[`${name} alertFiredWithin`] =
    `${verdict.status}, measured ${verdict.measuredMs ?? '-'} ms / target ${verdict.targetMs} ms: ${verdict.reason}`;
  return {
    r,
    result,
    verdict,
    out,
    events: r.stdout
      .trim()
      .split('\n')
      .slice(0, -1)
      .map((l) => JSON.parse(l)),
  };
}

function timelineOf(result: SuiteResult) {
  return readTimeline(result.timeline).records;
}

describe('alertFiredWithin in a suite run with --alert-webhook (real Prometheus and Alertmanager)', () => {
  it('passes with the time from the injection to the notification, and the reports show it', async () => {
    await noPortAlert();
    const { r, result, verdict, out, events } = await runSuite('port-alert', 120_000, '5s');
    expect(r.code, r.stderr).toBe(0);
    expect(result.outcome).toBe('pass');
    const host = result.steps[0]!.targets[0]!;
    expect(verdict.status).toBe('pass');
    expect(verdict.subject).toBe('HASwitchPortDown');
    expect(verdict.measuredMs).toBeGreaterThan(0);
    expect(verdict.reason).toMatch(
      new RegExp(
        `^HASwitchPortDown\\{host="${host}",severity="critical"\\} notified firing .+ after the injection: within the 120\\.000 s target$`,
      ),
    );
    // The evidence is the receiver's record of the notification on the run's timeline.
    const records = timelineOf(result);
    const cited = verdict.evidence.map((line) => records[line - 1]!);
    const alert = cited.find(
      (rec): rec is Extract<typeof rec, { kind: 'watch' }> => rec.kind === 'watch' && rec.event === 'alert',
    );
    expect(alert).toMatchObject({ watcher: 'alertmanager', subject: 'alert:HASwitchPortDown' });
    expect(alert?.fields?.['labels'] && (alert.fields['labels'] as Record<string, string>)['host']).toBe(
      host,
    );
    // The receiver listened before the first step started.
    const reach = records.findIndex((rec) => rec.kind === 'watch' && rec.watcher === 'alertmanager');
    const firstStep = records.findIndex((rec) => rec.kind === 'step');
    expect(records[reach]).toMatchObject({ event: 'reachability', fields: { reachable: true } });
    expect(reach).toBeLessThan(firstStep);
    expect(
      events.some(
        (e) =>
          e.type === 'note' &&
          String(e.text).startsWith(`alert receiver listening on http://127.0.0.1:${webhookPort}/`),
      ),
    ).toBe(true);
    // The reports: the journal's verdict, a JUnit testcase, the HTML verdict table.
    const journal = JSON.parse(readFileSync(join(out, 'journal.json'), 'utf8')) as SuiteResult;
    expect(journal.steps[0]!.verdicts[0]).toMatchObject({
      expectation: 'alertFiredWithin',
      status: 'pass',
      measuredMs: verdict.measuredMs,
    });
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain(
      'name="alertFiredWithin(HASwitchPortDown)"',
    );
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('alertFiredWithin');
    expect(html).toContain('HASwitchPortDown');
    measured['port-alert notification record'] = JSON.stringify(alert?.fields);
  }, 600_000);

  it('fails, with the reason, when the target is shorter than the rule can fire (for: 30s, target 10 s)', async () => {
    await noPortAlert();
    const { r, result, verdict } = await runSuite('port-alert-too-fast', 10_000, '60s');
    expect(r.code, r.stderr).toBe(1);
    expect(result.outcome).toBe('fail');
    expect(verdict.status).toBe('fail');
    expect(verdict.targetMs).toBe(10_000);
    // Held 60 s, the alert fires after its 30 s for: and is measured over the target; or it had not fired yet.
    expect(verdict.reason).toMatch(
      /^(HASwitchPortDown\{host="host\d",severity="critical"\} notified firing .+ after the injection: over the 10\.000 s target|no notification of HASwitchPortDown\{host="host\d",severity="critical"\} firing during the step)$/,
    );
  }, 600_000);
});
