import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { BOOT_A, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { readTimelineEvents } from './timeline-events.js';

describe('readTimelineEvents', () => {
  it('gives each record of a file its line, the id verdicts cite', () => {
    const t = new TimelineBuilder()
      .run(0, 'start')
      .probes('vm1', 0, 30, { bootId: BOOT_A })
      .fence(40, 'host1')
      .run(50, 'end');
    const path = t.write(join(tempDir('havoc-events-'), 'run.jsonl'));
    appendFileSync(path, '{"v":1,"kind":"wat'); // a torn last line, as a killed writer leaves
    const { events, tornLine } = readTimelineEvents(path);
    expect(events).toEqual(t.events());
    expect(events.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tornLine).toBe(7);
  });
});
