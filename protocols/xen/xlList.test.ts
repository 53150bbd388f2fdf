import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseXlList } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseXlList', () => {
  it('parses the running domains of the xl(1) example (xen-project/xen docs/man/xl.1.pod.in)', () => {
    const doms = parseXlList(fixture('xl-list-man-page.txt'));
    expect(doms.map((d) => [d.name, d.id, d.memMiB, d.vcpus, d.timeSeconds])).toEqual([
      ['Domain-0', 0, 750, 4, 11794.3],
      ['win', 1, 1019, 1, 0.3],
      ['linux', 2, 2048, 2, 5624.2],
    ]);
    expect(doms.every((d) => d.state.running && !d.state.paused)).toBe(true);
  });

  it('parses paused+dying zombie domains with a tab-separated header (QubesOS/qubes-issues#2850)', () => {
    const doms = parseXlList(fixture('xl-list-qubes-zombies.txt'));
    expect(doms).toHaveLength(4);
    const zombie = doms.find((d) => d.id === 18);
    expect(zombie?.name).toBe('(null)');
    expect(zombie?.memMiB).toBe(0);
    expect(zombie?.stateText).toBe('--p--d');
    expect(zombie?.state).toEqual({
      running: false,
      blocked: false,
      paused: true,
      shutdown: false,
      crashed: false,
      dying: true,
    });
  });

  it('rejects a state column out of order and foreign text, naming the line', () => {
    const bad = fixture('xl-list-man-page.txt').replace(
      'win                                          1  1019     1     r-----',
      'win                                          1  1019     1     p-----',
    );
    expect(() => parseXlList(bad)).toThrow(/xl list line 3: expected state column letter 1 to be "r" or "-"/);
    expect(() => parseXlList(' Id   Name   State\n----\n 1 web running')).toThrow(
      /xl list line 1: expected the header/,
    );
  });
});
