/*
 * bench/timeline: what the timeline writer and reader cost per record, for
 * probe samples shaped as the probes will write them (8 probes, one failure
 * in 1,000, boot id and counter fields). The goal it serves: 8 VMs probed
 * at 100 Hz must cost at most 10% of a core in total, so the timeline's
 * share must be a small part of that.
 *
 *   node --import tsx bench/timeline/run.ts [--records 100000] [--runs 5]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTimeline, readTimeline } from '../../chaos/timeline/index.js';
import { benchArgs, positiveNumber } from '../support/args.js';
import { median } from '../support/stats.js';

const USAGE = 'node --import tsx bench/timeline/run.ts [--records 100000] [--runs 5]';
const values = benchArgs(USAGE, {
  records: { type: 'string', default: '100000' },
  runs: { type: 'string', default: '5' },
});
const n = positiveNumber(values.records, '--records', USAGE);
const runs = positiveNumber(values.runs, '--runs', USAGE);
const appendUs: number[] = [];
const readUs: number[] = [];
let bytes = 0;
const dir = mkdtempSync(join(tmpdir(), 'havoc-bench-timeline-'));
try {
  for (let run = 0; run < runs; run++) {
    const path = join(dir, `run-${run}.jsonl`);
    const t = openTimeline(path);
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const sent = process.hrtime.bigint();
      t.append({
        kind: 'probe',
        probe: `vm${i % 8}-http`,
        sentNs: sent.toString(),
        answeredNs: (sent + 900_000n).toString(),
        ok: i % 1000 !== 0,
        fields: { bootId: '3f2a9c1e-5d1b-4d7e-9b8a-2c6f1e0d4a77', counter: i },
      });
    }
    t.close();
    appendUs.push(Number(process.hrtime.bigint() - start) / 1e3 / n);
    const r = process.hrtime.bigint();
    const { records } = readTimeline(path);
    if (records.length !== n) throw new Error(`read ${records.length} records, wrote ${n}`);
    readUs.push(Number(process.hrtime.bigint() - r) / 1e3 / n);
    bytes = statSync(path).size / n;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const perCore = (median(appendUs) * 800) / 1e4; // 800 samples/s = 8 VMs at 100 Hz, in % of one core
console.log(
  `${n} probe samples x ${runs} runs: append ${median(appendUs).toFixed(1)} us/record (median), ` +
    `read+validate ${median(readUs).toFixed(1)} us/record, ${bytes.toFixed(0)} bytes/record; ` +
    `8 VMs at 100 Hz: ${perCore.toFixed(1)}% of one core for the writer`,
);
