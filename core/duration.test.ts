import { expect, it } from 'vitest';
import { parseDuration } from './duration.js';

it('reads durations with units, and bare numbers as seconds', () => {
  expect(['500ms', '5s', '1.5s', '2m', '1h', '30'].map((t) => parseDuration(t, '--for'))).toEqual([
    500, 5_000, 1_500, 120_000, 3_600_000, 30_000,
  ]);
});

it('names the option and the bad value', () => {
  for (const bad of ['', '5x', '-1s', '0s', 'soon']) {
    expect(() => parseDuration(bad, '--for')).toThrow(
      `--for takes a duration such as 500ms, 5s, 2m or 1h, not "${bad}"`,
    );
  }
});
