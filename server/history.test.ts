import { describe, expect, it } from 'vitest';
import { HistoryRing } from './history.js';

describe('HistoryRing', () => {
  it('keeps the last N points oldest first', () => {
    const h = new HistoryRing(3);
    for (let i = 1; i <= 5; i++) h.push(i * 10, i);
    expect(h.toJSON()).toEqual({ t: [30, 40, 50], v: [3, 4, 5] });
  });

  it('returns what it has before it is full', () => {
    const h = new HistoryRing(4);
    h.push(1, 2);
    expect(h.toJSON()).toEqual({ t: [1], v: [2] });
  });
});
