import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { type LocalDaemon, startLocalDaemon } from '../../test/support/local-daemon.js';
import { freePort } from '../../test/support/local-processes.js';
import { type PromSample, promQuery } from '../../test/support/prometheus-query.js';
import { syntheticRun } from '../../test/support/suite-result-fixture.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { writeReports } from './index.js';

/*
 * End to end: the real Pushgateway (Debian prometheus-pushgateway) on
 * loopback with its persistence file in a temp dir, scraped every second by
 * the real Prometheus (Debian prometheus, honor_labels: true, its TSDB in a
 * temp dir); the values are read back through Prometheus' HTTP query API.
 * Both are stopped by the PID they were started with.
 */

let pushgateway: LocalDaemon | undefined;
let prometheus: LocalDaemon | undefined;
let pgUrl: string;
let promUrl: string;

const query = (promql: string) => promQuery(promUrl, promql);

/** Polls a query until `done` holds for its samples (Prometheus scrapes every second). */
async function queryUntil(
  promql: string,
  done: (s: PromSample[]) => boolean,
  what: string,
): Promise<PromSample[]> {
  const started = performance.now();
  const samples = await pollUntil(
    async () => {
      const s = await query(promql);
      return done(s) ? s : undefined;
    },
    deadlineSignal(30_000, what),
    { initialMs: 100, maxMs: 500 },
  );
  console.log(`${what}: seen in Prometheus after ${Math.round(performance.now() - started)} ms`);
  return samples;
}

beforeAll(async () => {
  const work = tempDir('havoc-push-');
  const pgPort = await freePort();
  pgUrl = `http://127.0.0.1:${pgPort}`;
  pushgateway = await startLocalDaemon(
    '/usr/bin/prometheus-pushgateway',
    [
      `--web.listen-address=127.0.0.1:${pgPort}`,
      `--persistence.file=${join(work, 'pushgateway.data')}`,
      '--log.level=warn',
    ],
    { readyUrl: `${pgUrl}/-/ready`, debianPackage: 'prometheus-pushgateway' },
  );
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  writeFileSync(
    join(work, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: pushgateway',
      '    honor_labels: true',
      `    static_configs: [{ targets: ['127.0.0.1:${pgPort}'] }]`,
      '',
    ].join('\n'),
  );
  prometheus = await startLocalDaemon(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(work, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(work, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { readyUrl: `${promUrl}/-/ready`, debianPackage: 'prometheus' },
  );
});

afterAll(async () => {
  await prometheus?.stop();
  await pushgateway?.stop();
});

describe('results in the Pushgateway, scraped by Prometheus', () => {
  it('every metric of a run reads back through PromQL with the run values', async () => {
    const { result, events } = syntheticRun({ repeats: 2 });
    const out = tempDir('havoc-push-reports-');
    const written = await writeReports(result, events, out, { pushgateway: pgUrl });
    expect(written.pushError).toBeUndefined();
    expect(written.pushedTo).toBe(`${pgUrl}/metrics/job/havoc_suite/suite/smoke`);

    const duration = await queryUntil(
      'havoc_suite_duration_seconds{suite="smoke"}',
      (s) => s.length === 1,
      'duration',
    );
    expect(duration[0]?.metric.job).toBe('havoc_suite');
    expect(Number(duration[0]?.value[1])).toBeCloseTo(result.durationMs / 1000, 6);

    const last = await query('havoc_suite_last_run_timestamp_seconds{suite="smoke"}');
    expect(Number(last[0]?.value[1])).toBe(Date.parse(result.endWall) / 1000);

    const outcomes = await query('havoc_suite_outcome{suite="smoke"}');
    expect(Object.fromEntries(outcomes.map((s) => [s.metric.outcome, s.value[1]]))).toEqual({
      pass: '0',
      fail: '1',
      inconclusive: '0',
      aborted: '0',
    });

    const verdicts = await query('havoc_suite_expectation_verdict{suite="smoke"}');
    const seen = verdicts
      .map(
        (s) =>
          `${s.metric.step} | ${s.metric.expectation} | ${s.metric.subject} | ${s.metric.verdict} = ${s.value[1]}`,
      )
      .sort();
    // Worst over the two repeats: restartedWithin failed in repeat 1 only.
    expect(seen).toEqual(
      [
        'migrate vm1 | maxServiceDowntime | vm1 | pass = 1',
        'migrate vm1 | noDoubleRun | vm1 | pass = 1',
        'power off the host running vm2 | alertFiredWithin | HavocNodeOffline | pass = 1',
        'power off the host running vm2 | fencedWithin | host3 | pass = 1',
        'power off the host running vm2 | noDoubleRun | vm2 | inconclusive = 1',
        'power off the host running vm2 | restartedWithin | vm2 | fail = 1',
      ].sort(),
    );

    const measured = await query('havoc_suite_measured_seconds{suite="smoke",expectation="restartedWithin"}');
    expect(Object.fromEntries(measured.map((s) => [s.metric.stat, Number(s.value[1])]))).toEqual({
      p50: 27.9,
      p95: 48.5,
      max: 48.5,
    });
    const downtime = await query(
      'havoc_suite_measured_seconds{suite="smoke",expectation="maxServiceDowntime"}',
    );
    expect(downtime.map((s) => s.metric.subject)).toEqual(['vm1', 'vm1', 'vm1']);
    expect(Object.fromEntries(downtime.map((s) => [s.metric.stat, Number(s.value[1])]))).toEqual({
      p50: 0.3,
      p95: 0.4,
      max: 0.4,
    });
  });

  it('a later run replaces the group (PUT): an expectation it no longer has disappears', async () => {
    const { result, events } = syntheticRun({ repeats: 1 });
    const first = result.steps[0];
    if (!first) throw new Error('fixture has no step');
    result.steps = [first];
    result.stats = result.stats.filter((s) => s.stepName === first.name);
    result.outcome = 'pass';
    const written = await writeReports(result, events, tempDir('havoc-push-2-'), { pushgateway: pgUrl });
    expect(written.pushError).toBeUndefined();
    const verdicts = await queryUntil(
      'havoc_suite_expectation_verdict{suite="smoke"}',
      (s) => s.length === 2,
      'the replaced group',
    );
    expect(verdicts.map((s) => s.metric.expectation).sort()).toEqual(['maxServiceDowntime', 'noDoubleRun']);
    const outcome = await query('havoc_suite_outcome{suite="smoke"} == 1');
    expect(outcome.map((s) => s.metric.outcome)).toEqual(['pass']);
  });

  it('a suite name with "/" and markup reaches Prometheus intact (base64 grouping key)', async () => {
    const name = 'night/ly "x" <y>';
    const { result, events } = syntheticRun({ repeats: 1, names: { suite: name } });
    const written = await writeReports(result, events, tempDir('havoc-push-3-'), { pushgateway: pgUrl });
    expect(written.pushError).toBeUndefined();
    expect(written.pushedTo).toMatch(/\/metrics\/job\/havoc_suite\/suite@base64\/[A-Za-z0-9_-]+$/);
    const s = await queryUntil(
      `havoc_suite_duration_seconds{suite=${JSON.stringify(name)}}`,
      (x) => x.length === 1,
      'the base64-keyed group',
    );
    expect(s[0]?.metric.suite).toBe(name);
  });

  it('a Pushgateway that does not answer: a clear error with the URL, and every report file is written', async () => {
    const port = await freePort();
    const { result, events } = syntheticRun({ repeats: 1 });
    const out = tempDir('havoc-push-down-');
    const written = await writeReports(result, events, out, { pushgateway: `http://127.0.0.1:${port}` });
    expect(written.pushError?.message).toBe(
      `cannot push the results to the Pushgateway at http://127.0.0.1:${port}/metrics/job/havoc_suite/suite/smoke: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(written.pushError?.describe()).toContain('the report files are written');
    for (const f of [written.json, written.junit]) expect(existsSync(f)).toBe(true);
  });

  it('a URL that is not a Pushgateway (Prometheus itself): the HTTP status in the error, the files written', async () => {
    const { result, events } = syntheticRun({ repeats: 1 });
    const written = await writeReports(result, events, tempDir('havoc-push-404-'), {
      pushgateway: `${promUrl}/`,
    });
    console.log(`Prometheus answered the push with: ${written.pushError?.message}`);
    expect(written.pushError?.message).toMatch(
      new RegExp(
        `^the Pushgateway at ${promUrl.replaceAll('.', '\\.')}/metrics/job/havoc_suite/suite/smoke refused the results: HTTP 4\\d\\d `,
      ),
    );
    for (const f of [written.json, written.junit]) expect(existsSync(f)).toBe(true);
  });
});
