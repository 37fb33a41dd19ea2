import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows a burst, then one request per 1/rate s, and says how long to wait', () => {
    let now = 0;
    const b = new TokenBucket(4, 2, () => now);
    expect([b.take(), b.take()]).toEqual([0, 0]);
    expect(b.take()).toBe(250);
    now += 250;
    expect(b.take()).toBe(0);
    expect(b.take()).toBe(250);
    now += 10_000;
    expect([b.take(), b.take(), b.take() > 0]).toEqual([0, 0, true]);
  });
});
