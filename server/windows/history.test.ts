import { describe, expect, it } from 'vitest';
import { groupTimes } from '../../shared/schema.js';
import { GroupHistory } from './history.js';

describe('GroupHistory', () => {
  it('keeps the last N ticks oldest first, as t0 and differences', () => {
    const h = new GroupHistory(3);
    h.add('a');
    for (let i = 1; i <= 5; i++) {
      h.push(i * 10);
      h.set('a', i);
    }
    expect(h.timeline(Infinity)).toEqual({ t0: 30, dt: [10, 10] });
    expect(groupTimes(h.timeline(Infinity))).toEqual([30, 40, 50]);
    expect(h.column('a', Infinity)).toEqual([3, 4, 5]);
  });

  it('gives the newest `points` ticks, none for 0, and what it has before it is full', () => {
    const h = new GroupHistory(4);
    h.add('a');
    h.push(1);
    h.set('a', 2);
    expect(h.timeline(10)).toEqual({ t0: 1, dt: [] });
    h.push(5);
    h.set('a', 7);
    expect(h.timeline(1)).toEqual({ t0: 5, dt: [] });
    expect(h.column('a', 1)).toEqual([7]);
    expect(h.timeline(0)).toEqual({ dt: [] });
    expect(h.column('a', 0)).toEqual([]);
  });

  it('has null where a tick did not carry a metric, and for ticks before a metric was added', () => {
    const h = new GroupHistory(5);
    h.add('a');
    h.push(1);
    h.set('a', 1);
    h.push(2);
    h.add('b');
    h.set('b', 20);
    h.push(3);
    h.set('a', 3);
    h.set('b', 30);
    expect(h.column('a', Infinity)).toEqual([1, null, 3]);
    expect(h.column('b', Infinity)).toEqual([null, 20, 30]);
  });

  it('never grows: its rings keep their size however many ticks come', () => {
    const h = new GroupHistory(60);
    h.add('a');
    h.add('b');
    const bytes = h.bytes;
    expect(bytes).toBe(3 * 60 * 8);
    for (let i = 0; i < 10_000; i++) {
      h.push(i);
      h.set(i % 2 ? 'a' : 'b', i);
    }
    expect(h.bytes).toBe(bytes);
    expect(h.length).toBe(60);
    expect(groupTimes(h.timeline(Infinity))).toEqual(Array.from({ length: 60 }, (_, i) => 9940 + i));
  });
});
