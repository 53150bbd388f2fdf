/**
 * A small seeded PRNG (mulberry32): the same seed draws the same choices, so
 * a suite run replays. Each step gets its own stream from (seed, repeat,
 * step), so a replay of one step draws what it drew in the full run.
 */
export function seededRandom(seed: number, repeat: number, step: number): () => number {
  let a =
    (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^
      Math.imul(repeat, 0xc2b2ae35) ^
      Math.imul(step, 0x27d4eb2f)) >>>
    0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One item of a non-empty list, drawn. */
export function pick<T>(items: readonly T[], rng: () => number): T {
  return items[Math.floor(rng() * items.length)]!;
}
