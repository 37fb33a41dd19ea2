import { describe, expect, it } from 'vitest';
import { expandGroup, groupTimes, SnapshotGroup } from './schema.js';

const stat = { v: 1, min: 1, max: 1, avg: 1, n: 1, trend: 'stable' as const, u: '' };
const base = { channel: 'app' as const, source: 's', values: { a: stat } };

describe('SnapshotGroup compact forms', () => {
  it('takes dt as one number with points, and a column as one number', () => {
    const g = SnapshotGroup.parse({ ...base, t0: 100, dt: 10, points: 3, history: { a: 4 }, step: 10, lo: { a: [1, null, 2] }, hi: { a: 9 } });
    expect(groupTimes(g)).toEqual([100, 110, 120]);
    expect(expandGroup(g)).toEqual({ ...base, t0: 100, dt: [10, 10], history: { a: [4, 4, 4] }, step: 10, lo: { a: [1, null, 2] }, hi: { a: [9, 9, 9] } });
  });

  it.each([
    ['dt one number without points', { t0: 1, dt: 10, history: { a: 1 } }, /points must be given when dt is one number/],
    ['points that disagree with dt', { t0: 1, dt: [10], points: 3, history: { a: [1, 2] } }, /points must be given when dt is one number, and be dt's length \+ 1/],
    ['a column of the wrong length', { t0: 1, dt: 10, points: 3, history: { a: [1, 2] } }, /history must have a column per metric/],
    ['a number column without points', { dt: [], history: { a: 1 } }, /history must have a column per metric/],
    ['a band missing a metric', { t0: 1, dt: [], history: { a: [1] }, lo: {}, hi: { a: 1 } }, /lo and hi must have a column per metric/],
  ])('refuses %s, saying which field', (_, g, message) => {
    const r = SnapshotGroup.safeParse({ ...base, ...g });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join('; ')).toMatch(message);
  });
});
