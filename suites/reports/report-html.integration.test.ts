import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { longRun } from '../../test/support/long-run-fixture.js';
import { syntheticRun } from '../../test/support/suite-result-fixture.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { openReportInChromium } from './html/chromium.js';
import { writeReports } from './index.js';

/*
 * The HTML report in a real browser: Debian's Chromium driven by
 * playwright-core (no browser download). It must render with no console
 * error and no request but the file itself, hold the verdicts and the
 * lanes, show details on hover, and escape hostile names.
 */

describe('HTML report in Chromium', () => {
  it('renders offline without errors; verdicts, stats and lanes are in the DOM; hover shows details; a screenshot is saved', async () => {
    const { result, events } = syntheticRun({ repeats: 2 });
    const out = tempDir('havoc-html-');
    const written = await writeReports(result, events, out);
    const started = performance.now();
    const opened = await openReportInChromium(written.html);
    try {
      const { page } = opened;
      console.log(`report opened in Chromium in ${Math.round(performance.now() - started)} ms`);
      expect(opened.requests).toEqual([pathToFileURL(written.html).href]);

      expect(await page.locator('#outcome').textContent()).toBe('fail');
      expect(await page.locator('#suite-name').textContent()).toBe('smoke');

      const verdicts = page.locator('tr.verdict');
      expect(await verdicts.count()).toBe(result.steps.flatMap((s) => s.verdicts).length);
      const restarted = page.locator(
        'tr.verdict[data-step="1.2"][data-expectation="restartedWithin"][data-subject="vm2"]',
      );
      expect(await restarted.getAttribute('data-status')).toBe('fail');
      expect(await restarted.locator('td.measured').textContent()).toBe('48500 ms');
      expect(await restarted.locator('td.target').textContent()).toBe('30000 ms');
      expect(await restarted.textContent()).toContain('measured 48500 ms > target 30000 ms');
      expect(await page.locator('tr.verdict[data-status="inconclusive"]').count()).toBe(2);

      const stat = page.locator('tr.stat[data-expectation="restartedWithin"]');
      expect(await stat.locator('td.p50').textContent()).toBe('27900 ms');
      expect(await stat.locator('td.p95').textContent()).toBe('48500 ms');
      expect(await stat.locator('td.max').textContent()).toBe('48500 ms');

      const lanes = await page
        .locator('#timeline g.lane')
        .evaluateAll((gs) => gs.map((g) => `${g.getAttribute('data-kind')}:${g.getAttribute('data-lane')}`));
      expect(lanes).toEqual([
        'host:host1',
        'host:host2',
        'host:host3',
        'cluster:pacemaker',
        'vm:vm1',
        'probe:vm1',
        'vm:vm2',
        'probe:vm2',
        'alert:HavocNodeOffline',
      ]);
      expect(await page.locator('#timeline g.lane[data-lane="host3"] path.m-fence').count()).toBe(2);
      expect(await page.locator('#timeline g.lane-probe[data-lane="vm2"] path.m-boot').count()).toBe(2);
      expect(await page.locator('#timeline g.lane-probe[data-lane="vm1"] rect.p-down').count()).toBe(2);
      expect(await page.locator('#timeline rect.window.w-fault').count()).toBe(2);
      expect(await page.locator('#timeline rect.window.w-action').count()).toBe(4);
      expect(await page.locator('#timeline g.lane-alert path.m-alert-firing').count()).toBe(2);
      // Every shape has its tooltip (which is also what the hover panel shows).
      const shapes = page.locator('svg.timeline :is(rect.seg, rect.window, rect.step, path.marker)');
      expect(await shapes.count()).toBeGreaterThan(50);
      const untitled = await shapes.evaluateAll(
        (els) => els.filter((e) => !e.querySelector(':scope > title')?.textContent).length,
      );
      expect(untitled).toBe(0);
      // The timeline has a size on screen (it rendered, not just parsed).
      const box = await page.locator('#timeline').boundingBox();
      expect(box?.width).toBeGreaterThan(1000);
      expect(box?.height).toBeGreaterThan(200);

      // Steps that did not pass have their own zoomed timeline, open.
      expect(
        await page
          .locator('details.step-timeline[open]')
          .evaluateAll((ds) => ds.map((d) => d.getAttribute('data-step'))),
      ).toEqual(['1.2', '2.2']);

      await page.locator('#timeline g.lane[data-lane="host3"] path.m-fence').first().hover({ force: true });
      expect(await page.locator('#detail').textContent()).toMatch(
        /^L\d+ \+28\.000 s pacemaker\/fence fence:host3 /,
      );

      const shot = join(out, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = readFileSync(shot);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      console.log(`screenshot ${shot}: ${statSync(shot).size} bytes`);
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('a 20-minute run at 50 Hz: a file to mail, no console error, the lanes, and a hover over a 40 ms outage shows its exact bounds', async () => {
    const out = tempDir('havoc-html-long-');
    const run = longRun({ dir: out, minutes: 20 });
    const written = await writeReports(run.result, run.events, out);
    const bytes = statSync(written.html).size;
    console.log(
      `long run: ${run.samples} probe samples, ${run.transitions.length} up/down changes, report.html ${bytes} bytes`,
    );
    expect(bytes).toBeLessThan(5_000_000);
    const started = performance.now();
    const opened = await openReportInChromium(written.html);
    try {
      const { page } = opened;
      console.log(`long report opened in Chromium in ${Math.round(performance.now() - started)} ms`);
      const lanes = await page
        .locator('#timeline g.lane')
        .evaluateAll((gs) => gs.map((g) => `${g.getAttribute('data-kind')}:${g.getAttribute('data-lane')}`));
      expect(lanes).toEqual([
        'host:host1',
        'host:host2',
        'host:host3',
        'vm:vm1',
        'probe:vm1',
        'vm:vm2',
        'probe:vm2',
        'alert:HavocNodeOffline',
      ]);
      expect(await page.locator('#timeline g.lane-probe[data-lane="vm2"] path.m-boot').count()).toBe(
        run.result.steps.filter((s) => s.name !== 'migrate vm1').length,
      );
      const exact =
        'vm1 probe down from +4.000000000 s to +4.040000000 s (40 ms): 2 requests failed: 198.19.11.101:80: no answer within 500 ms';
      // Hovered where a reader's pointer would be (the shape's middle; force: no actionability wait), in the
      // whole run and in the step's own timeline: what is on top there must be the outage.
      // Every step passed, so the steps' own timelines start closed: open step 1.1's as a reader would.
      await page.locator('details.step-timeline[data-step="1.1"] > summary').click();
      for (const svg of ['#timeline', '#timeline-step-1\\.1']) {
        await page.locator('#detail').evaluate((d) => {
          d.textContent = '';
        });
        const outage = page
          .locator(`${svg} g.lane-probe[data-lane="vm1"] rect.p-down`)
          .filter({ has: page.locator('title', { hasText: exact }) });
        expect(await outage.count()).toBe(1);
        await outage.scrollIntoViewIfNeeded();
        await outage.hover({ force: true });
        expect(await page.locator('#detail').textContent()).toMatch(
          new RegExp(`^${exact.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\[L\\d+\\.\\.L\\d+\\]$`),
        );
      }
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('the checks can fail: a page that logs an error and loads from the network is caught', async () => {
    const page = join(tempDir('havoc-html-control-'), 'bad.html');
    // Port 1 on loopback: nothing listens, so the request fails without leaving the machine.
    writeFileSync(
      page,
      '<!DOCTYPE html><html><body><img src="http://127.0.0.1:1/x.png"><script>console.error("boom")</script></body></html>',
    );
    const opened = await openReportInChromium(page);
    await opened.close();
    expect(opened.problems).toContain('console error: boom');
    expect(opened.problems).toContain('request off the file: http://127.0.0.1:1/x.png');
    expect(opened.problems.some((p) => p.startsWith('request failed: http://127.0.0.1:1/x.png'))).toBe(true);
  });

  it('hostile names from user files stay text: no element, script or dialog comes from them', async () => {
    const hostile = syntheticRun({
      repeats: 1,
      names: {
        suite: '<script>alert(1)</script>',
        vm2: 'vm2"><img src=x onerror=alert(2)>',
        stepPowerOff: '<svg onload=alert(3)>',
        host3: "host3' onmouseover='alert(4)",
      },
    });
    const written = await writeReports(hostile.result, hostile.events, tempDir('havoc-html-hostile-'));
    const opened = await openReportInChromium(written.html);
    try {
      const { page } = opened;
      const dialogs: string[] = [];
      page.on('dialog', async (d) => {
        dialogs.push(d.message());
        await d.dismiss();
      });
      // Hover over everything that has details, as a reader would.
      for (const el of await page.locator('#timeline :has(> title)').all()) await el.hover({ force: true });
      expect(await page.locator('#suite-name').textContent()).toBe('<script>alert(1)</script>');
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(1);
      expect(await page.locator('body svg').count()).toBe(await page.locator('svg.timeline').count());
      expect(
        await page
          .locator('#timeline g.lane[data-kind="vm"]')
          .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-lane'))),
      ).toEqual(['vm1', 'vm2"><img src=x onerror=alert(2)>']);
      expect(await page.locator('[onmouseover], [onerror], [onload]').count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});
