import { describe, expect, it } from 'vitest';
import { longRun } from '../../../test/support/long-run-fixture.js';
import { tempDir } from '../../../test/support/temp-dir.js';
import { reportHtml } from './report-html.js';
import { buildTimelineModel } from './timeline-model.js';

/*
 * The report of a long run must stay a file a person can mail or attach to
 * a ticket: 20 minutes of 2 VMs probed at 50 Hz (120,000 samples, written
 * and read back through chaos/timeline) were 61 MB when every sample was a
 * shape. The probe lanes are runs of one result, so the size follows the
 * state changes, and none of them may be lost on the way.
 */

const MB = 1_000_000;
const sizeOf = (run: ReturnType<typeof longRun>) => Buffer.byteLength(reportHtml(run.result, run.events));

/** The vm1 probe lane of each SVG of the report, by the SVG's id. */
function vm1Lanes(html: string): Map<string, string> {
  const lanes = new Map<string, string>();
  for (const svg of html.split('<svg ').slice(1)) {
    const id = /id="([^"]+)"/.exec(svg)?.[1] ?? '';
    const from = svg.indexOf('data-lane="vm1" data-kind="probe"');
    if (from >= 0) lanes.set(id, svg.slice(from, svg.indexOf('</g>', from)));
  }
  return lanes;
}

// Each long run is 120,000 records written and read back: seconds on a loaded machine.
describe('HTML report of a long run (20 min, 2 VMs at 50 Hz)', { timeout: 90_000 }, () => {
  const run = longRun({ dir: tempDir('havoc-report-size-'), minutes: 20 });

  it('is under 5 MB', () => {
    const bytes = sizeOf(run);
    console.log(
      `${run.samples} probe samples, ${run.transitions.length} up/down changes: report.html ${bytes} bytes`,
    );
    expect(run.samples).toBe(120_000);
    expect(bytes).toBeLessThan(5 * MB);
  });

  it('keeps every up/down change of the input with its exact send time, and no other', () => {
    const model = buildTimelineModel(run.events);
    for (const vm of ['vm1', 'vm2']) {
      const lane = model.lanes.find((l) => l.kind === 'probe' && l.name === vm);
      const want = run.transitions
        .filter((t) => t.probe === vm)
        .map((t) => [t.ok ? 'p-up' : 'p-down', t.sentNs]);
      expect(lane?.segments.map((s) => [s.cls, s.fromNs])).toEqual(want);
      // Each run lasts until the next one starts: no gap, no overlap.
      lane?.segments.slice(1).forEach((s, i) => expect(s.fromNs).toBe(lane.segments[i]?.toNs));
    }
    expect(run.transitions.length).toBeGreaterThan(300);
  });

  it('gives a 40 ms outage its exact bounds, duration and failed requests, and draws it in the whole-run timeline', () => {
    const model = buildTimelineModel(run.events);
    const vm1 = model.lanes.find((l) => l.kind === 'probe' && l.name === 'vm1');
    const outages =
      vm1?.segments.filter((s) => s.cls === 'p-down' && s.toNs - s.fromNs === 40_000_000n) ?? [];
    expect(outages.length).toBe(run.result.steps.filter((s) => s.name === 'migrate vm1').length);
    const first = outages[0];
    expect(first?.requests).toBe(2);
    expect(first?.detail).toMatch(
      /^vm1 probe down from \+4\.000000000 s to \+4\.040000000 s \(40 ms\): 2 requests failed: 198\.19\.11\.101:80: no answer within 500 ms \[L\d+\.\.L\d+\]$/,
    );
    const html = reportHtml(run.result, run.events);
    const whole = html.slice(
      html.indexOf('id="timeline"'),
      html.indexOf('</svg>', html.indexOf('id="timeline"')),
    );
    expect(whole).toContain(`class="seg p-down"><title>${first?.detail}</title>`);
  });

  // 40 lone failed requests a step on each VM, 0.9 s apart: 1 px of the whole run is 1.2 s.
  const flapping = longRun({ dir: tempDir('havoc-report-flapping-'), minutes: 20, flaps: 40 });

  it('draws outages too close together as one shape that counts them, and one by one in each step', () => {
    const model = buildTimelineModel(flapping.events);
    const downs =
      model.lanes
        .find((l) => l.kind === 'probe' && l.name === 'vm1')
        ?.segments.filter((s) => s.cls === 'p-down') ?? [];
    const lanes = vm1Lanes(reportHtml(flapping.result, flapping.events));
    // Whole run: every outage is a shape of its own or counted in a shape that holds several.
    const whole = lanes.get('timeline') ?? '';
    const alone = whole.split('class="seg p-down"').length - 1;
    const merged = [
      ...whole.matchAll(/class="seg mixed mixed-down"><title>[^<]*?\ndown: (\d+) times?,/g),
    ].map((m) => Number(m[1]));
    console.log(
      `whole run: ${alone} outages drawn alone, ${merged.length} shapes holding ${merged.reduce((a, b) => a + b, 0)}`,
    );
    expect(merged.length).toBeGreaterThan(0);
    expect(alone + merged.reduce((a, b) => a + b, 0)).toBe(downs.length);
    // A step's timeline draws each outage of the step alone.
    for (const step of flapping.result.steps) {
      const lane = lanes.get(`timeline-step-${step.step}`) ?? '';
      const [from, to] = [BigInt(step.startNs), BigInt(step.endNs)];
      expect(lane).not.toContain('mixed');
      expect(lane.split('class="seg p-down"').length - 1).toBe(
        downs.filter((s) => s.toNs > from && s.fromNs < to).length,
      );
    }
  });

  it('grows with the state changes, not with the samples', () => {
    const at10Hz = longRun({ dir: tempDir('havoc-report-growth-'), minutes: 20, hz: 10 });
    const at50Hz = sizeOf(run);
    const slow = sizeOf(at10Hz);
    const more = sizeOf(flapping);
    console.log(
      `same changes at 10 Hz (${at10Hz.samples} samples): ${slow} bytes; at 50 Hz (${run.samples}): ${at50Hz} bytes; ` +
        `${flapping.transitions.length} changes instead of ${run.transitions.length}: ${more} bytes`,
    );
    expect(at10Hz.transitions.length).toBe(run.transitions.length);
    // Five times the samples, the same changes: within 5% (only the request counts in the text grow).
    expect(Math.abs(at50Hz - slow) / slow).toBeLessThan(0.05);
    expect(flapping.transitions.length).toBeGreaterThan(run.transitions.length * 4);
    expect(more).toBeGreaterThan(at50Hz * 1.5);
  });
});
