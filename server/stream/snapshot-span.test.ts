import { describe, expect, it } from 'vitest';
import { type ExpandedSnapshot, expandSnapshot, groupTimes, Snapshot, type Stat } from '../../shared/schema.js';
import { MemoryHub } from '../hub/memory-hub.js';
import { snapshotJson } from './snapshot-json.js';
import { Projection } from '../windows/projection.js';
import { TierStore } from '../windows/tier-store.js';

const settings = { interval: 1000, window: 60_000, history: 300, heartbeat: 15_000 };
const stat = (v: number): Stat => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable', u: '%' });
const T0 = 1_700_000_400_000; // a whole 10 minutes

function fed(ticks: number, value: (i: number) => number) {
  const hub = new MemoryHub({ epoch: 'e1' });
  const p = new Projection(hub, { tiers: new TierStore() });
  p.start();
  for (let i = 0; i < ticks; i++) hub.publish('host', { t: T0 + i * 1000, source: 'a', values: { 'host.cpu.total': stat(value(i)) } });
  return p;
}

/** What a client receives: the compact JSON text, parsed back with the shared schema. */
const wire = (s: ExpandedSnapshot) => expandSnapshot(Snapshot.parse(JSON.parse(snapshotJson(s))));

describe('Projection snapshot of a coarse span', () => {
  it('gives 10 s points with lo, hi and average for span=1h, aligned to the epoch', () => {
    const p = fed(95, (i) => i % 10);
    const snap = wire(p.snapshot(settings, { span: '1h' }, false, 'e1', T0 + 95_000));
    expect(snap.span).toBe('1h');
    const g = snap.groups[0];
    expect(g.step).toBe(10_000);
    expect(groupTimes(g)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + i * 10_000));
    expect(g.lo!['host.cpu.total']).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(g.hi!['host.cpu.total']).toEqual([9, 9, 9, 9, 9, 9, 9, 9, 9, 4]);
    expect(g.history['host.cpu.total']).toEqual([4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 2]);
  });

  it('merges buckets down to ?points= and its figures cover the whole span, not the last minute', () => {
    const p = fed(600, (i) => (i === 17 ? 30 : i < 300 ? 10 : 20));
    const g = wire(p.snapshot(settings, { span: '1h', tierPoints: 60 }, false, 'e1', T0 + 600_000)).groups[0];
    expect(g.step).toBe(70_000);
    expect(g.history['host.cpu.total'].length).toBeLessThanOrEqual(60);
    expect(Math.max(...g.hi!['host.cpu.total'].map((x) => x ?? 0))).toBe(30);
    const v = g.values['host.cpu.total'];
    expect(v).toMatchObject({ v: 20, min: 10, max: 30, n: 600, trend: 'rising' });
    expect(v.avg).toBeCloseTo((299 * 10 + 30 + 300 * 20) / 600, 2);
  });

  it('answers span=5m with the raw ticks, without lo or hi', () => {
    const p = fed(20, (i) => i);
    const snap = wire(p.snapshot(settings, { span: '5m' }, false, 'e1', T0 + 20_000));
    expect(snap.span).toBeUndefined();
    expect(snap.groups[0].lo).toBeUndefined();
    expect(snap.groups[0].history['host.cpu.total']).toHaveLength(20);
  });

  it('keeps the tiers when the hub epoch changes (they are keyed by time, not by id)', () => {
    const p = fed(30, () => 5);
    p.clear('e2-0');
    expect(p.tiers!.size).toBe(1);
    expect(p.tiers!.group('host', 'a')!.through).toBe(T0 + 29_000);
  });
});
