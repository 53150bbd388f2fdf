import { describe, expect, it } from 'vitest';
import { ChannelSlots } from './channel-slots.js';

describe('ChannelSlots', () => {
  it('grants up to capacity, queues the rest in order, and hands a released slot to the next waiter', async () => {
    const slots = new ChannelSlots(2);
    const signal = new AbortController().signal;
    const a = await slots.acquire(signal);
    const b = await slots.acquire(signal);
    const order: string[] = [];
    const granted = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const c = slots.acquire(signal).then(granted('c'));
    const d = slots.acquire(signal).then(granted('d'));
    expect(slots.queued).toBe(2);
    a();
    a(); // a second release of the same slot is ignored
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(['c', 'd']);
    expect([slots.active, slots.queued, slots.peak]).toEqual([0, 0, 2]);
  });

  it('a waiter whose signal aborts leaves the queue with the abort reason', async () => {
    const slots = new ChannelSlots(1);
    const held = await slots.acquire(new AbortController().signal);
    const ac = new AbortController();
    const waiting = slots.acquire(ac.signal);
    ac.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    expect(slots.queued).toBe(0);
    held();
    expect(slots.active).toBe(0);
  });
});
