import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../../test/support/suite-result-fixture.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { writeReports } from './index.js';

describe('JSON journal', () => {
  it('is the SuiteResult as the runner handed it over, with the report paths filled in', async () => {
    const { result, events } = syntheticRun({ repeats: 2 });
    const before = structuredClone(result);
    const out = join(tempDir('havoc-journal-'), 'reports');
    const written = await writeReports(result, events, out);
    const journal = JSON.parse(readFileSync(written.json, 'utf8'));
    expect(journal).toEqual({ ...before, reports: result.reports });
    expect(result.reports?.junit).toBe(join(out, 'junit.xml'));
    // Every evidence id of every verdict is a line of the timeline the journal names.
    const lines = new Set(events.map((e) => e.line));
    const evidence = journal.steps.flatMap((s: { verdicts: { evidence: number[] }[] }) =>
      s.verdicts.flatMap((v) => v.evidence),
    );
    expect(evidence.length).toBeGreaterThan(0);
    for (const l of evidence) expect(lines.has(l)).toBe(true);
    expect(journal.inventory.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(journal.versions.cluster.host1.pacemaker).toBe('2.1.5');
  });
});
