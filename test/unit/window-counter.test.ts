// The bounded fixed-window counter behind rate limits and throttles.
import { describe, expect, it } from 'vitest';
import { WindowCounter } from '../../src/throttling/window-counter.js';

describe('WindowCounter', () => {
  it('lets `limit` events through per window, then says how long to wait', () => {
    const c = new WindowCounter(10);
    expect([c.hit('k', 0, 2, 10_000), c.hit('k', 1_000, 2, 10_000)]).toEqual([0, 0]);
    expect(c.hit('k', 2_500, 2, 10_000)).toBe(8);
    expect(c.blockedFor('k', 2_500, 3, 10_000)).toBe(8);
    expect(c.blockedFor('k', 2_500, 4, 10_000)).toBe(0);
    expect(c.hit('k', 10_000, 2, 10_000)).toBe(0);
    expect(c.count('k', 10_000, 10_000)).toBe(1);
  });

  it('never holds more than maxKeys, and a key in use survives a generation change', () => {
    const c = new WindowCounter(100);
    c.hit('busy', 0, 1_000, 60_000);
    for (let i = 0; i < 10_000; i++) {
      c.hit(`k${i}`, 0, 1_000, 60_000);
      if (i % 10 === 0) c.hit('busy', 0, 1_000, 60_000);
      expect(c.size).toBeLessThanOrEqual(100);
    }
    expect(c.count('busy', 0, 60_000)).toBe(1_001);
  });

  it('reset forgets a key', () => {
    const c = new WindowCounter(10);
    c.hit('k', 0, 1, 1_000);
    c.reset('k');
    expect(c.count('k', 0, 1_000)).toBe(0);
  });
});
