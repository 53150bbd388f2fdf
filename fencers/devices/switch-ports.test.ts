import { describe, expect, it } from 'vitest';
import { isFenced } from './switch-ports.js';

describe('switch port fenced state', () => {
  it.each([
    ['admin down, oper down', 'down', 'down', true],
    ['admin down, oper still up (fence_ifmib would call this off)', 'down', 'up', false],
    ['admin down, oper lowerLayerDown', 'down', 'lowerLayerDown', false],
    ['admin up, oper down (a link flap)', 'up', 'down', false],
    ['admin down, no oper value', 'down', undefined, false],
  ] as const)('%s -> fenced %s', (_what, admin, oper, fenced) => {
    expect(isFenced({ ifIndex: 3, admin, oper })).toBe(fenced);
  });

  it('an unknown port is not fenced', () => {
    expect(isFenced(undefined)).toBe(false);
  });
});
