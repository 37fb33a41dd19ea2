import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CompactStat, type CompactTick, expandCompact, Snapshot, TickEvent } from '../shared/schema.js';
import { SeriesStore } from './series-store.js';

const stat = (v: number, u = '%') => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable' as const, u });
const snap: Snapshot = {
  reset: false,
  epoch: 'e',
  t: 10_000,
  settings: { interval: 1000, window: 60_000, history: 3, heartbeat: 15_000 },
  checks: [],
  groups: [
    {
      channel: 'host',
      source: 'a',
      t0: 6000,
      dt: [1000, 1000, 1000],
      values: { 'host.cpu.total': stat(4), 'host.cpu.core0': stat(0) },
      // core0 was in none of the ticks held: a tile with its window, no points.
      history: { 'host.cpu.total': [1, 2, 3, 4], 'host.cpu.core0': [null, null, null, null] },
    },
  ],
};

describe('SeriesStore', () => {
  it('keeps the newest `history` points and dates them from the snapshot time', () => {
    const s = new SeriesStore();
    s.applySnapshot(snap, 500_000);
    const cpu = s.get('host.cpu.total@a')!;
    expect([...cpu.ring.view()[1]]).toEqual([2, 3, 4]);
    expect(cpu.seenAt).toBe(500_000 - 1000); // last point was 1 s old at snapshot time
    expect(s.get('host.cpu.core0@a')!.seenAt).toBe(-Infinity);
  });

  it('keeps at most the page\'s `points` per series when the server keeps more', () => {
    const s = new SeriesStore(undefined, 2);
    s.applySnapshot({ ...snap, settings: { ...snap.settings, history: 300 } }, 0);
    const cpu = s.get('host.cpu.total@a')!;
    expect(s.capacity).toBe(2);
    expect([...cpu.ring.view()[0]]).toEqual([8000, 9000]);
    s.applyTick('host', { t: 11_000, source: 'a', values: { 'host.cpu.total': stat(5) } }, 1);
    expect([...cpu.ring.view()[1]]).toEqual([4, 5]);
  });

  it('takes a metric\'s points only at the ticks that carried it (nulls skipped)', () => {
    const s = new SeriesStore(undefined, 3);
    const g = snap.groups[0];
    s.applySnapshot({ ...snap, settings: { ...snap.settings, history: 10 }, groups: [{ ...g, history: { ...g.history, 'host.cpu.core0': [5, null, 7, null] } }] }, 0);
    expect(s.get('host.cpu.core0@a')!.ring.view().map((a) => [...a])).toEqual([
      [6000, 8000],
      [5, 7],
    ]);
    expect(s.get('host.cpu.core0@a')!.stat?.v).toBe(0);
  });

  it('reads the compact forms: one dt with points, a column that is one number, a coarse span\'s bands', () => {
    const s = new SeriesStore(undefined, 10);
    const g = { ...snap.groups[0], dt: 1000, points: 4, history: { 'host.cpu.total': 7, 'host.cpu.core0': [1, null, 3, 4] } };
    s.applySnapshot(Snapshot.parse({ ...snap, groups: [g] }), 0);
    expect(s.get('host.cpu.total@a')!.ring.view().map((a) => [...a])).toEqual([
      [7000, 8000, 9000],
      [7, 7, 7],
    ]);
    const band = { ...g, step: 1000, lo: { 'host.cpu.total': 7, 'host.cpu.core0': 0 }, hi: { 'host.cpu.total': [7, 8, 9, 10], 'host.cpu.core0': 5 } };
    s.applySnapshot(Snapshot.parse({ ...snap, span: '1h', groups: [band] }), 0);
    expect(s.get('host.cpu.total@a')!.ring.view().map((a) => [...a])).toEqual([
      [6000, 7000, 8000, 9000],
      [7, 7, 7, 7],
      [7, 7, 7, 7],
      [7, 8, 9, 10],
    ]);
  });

  it('applies the filter to snapshot metrics and to new metrics in ticks', () => {
    const s = new SeriesStore((m) => !m.name.includes('core'));
    s.applySnapshot(snap, 0);
    expect(s.list().map((x) => x.key)).toEqual(['host.cpu.total@a']);
    s.applyTick('host', { t: 11_000, source: 'a', values: { 'host.cpu.core1': stat(1), 'host.load.1': stat(0.5, '') } }, 1);
    expect(s.list().map((x) => x.key)).toEqual(['host.cpu.total@a', 'host.load.1@a']);
  });

  it('reuses ring buffers of series that survive a snapshot', () => {
    const s = new SeriesStore();
    s.applySnapshot(snap, 0);
    const ring = s.get('host.cpu.total@a')!.ring;
    s.applySnapshot({ ...snap, reset: true }, 0);
    expect(s.get('host.cpu.total@a')!.ring).toBe(ring);
  });

  it('skips ticks it already has (a replay) without bumping the version', () => {
    const s = new SeriesStore();
    s.applySnapshot(snap, 0);
    const cpu = s.get('host.cpu.total@a')!;
    const v = cpu.version;
    expect(s.applyTick('host', { t: 9000, source: 'a', values: { 'host.cpu.total': stat(9) } }, 1)).toBe(0);
    expect(cpu.version).toBe(v);
    expect(s.applyTick('host', { t: 10_000, source: 'a', values: { 'host.cpu.total': stat(9) } }, 1)).toBe(1);
    expect(cpu.version).toBe(v + 1);
    expect(cpu.stat?.v).toBe(9);
  });

  it('holds metrics named like prototype properties as any other, as they come off the wire', () => {
    const wire = JSON.stringify({
      ...snap,
      groups: [{ channel: 'app', source: 'constructor', t0: 1000, dt: [], values: { constructor: stat(1), length: stat(2), tostring: stat(3) }, history: { constructor: [1], length: [2], tostring: [3] } }],
    });
    const s = new SeriesStore();
    s.applySnapshot(Snapshot.parse(JSON.parse(wire)), 0);
    expect(s.list().map((x) => x.name)).toEqual(['constructor', 'length', 'tostring']);
    s.applyTick('app', TickEvent.parse(JSON.parse('{"t":2000,"source":"constructor","values":{"constructor":{"v":9,"min":1,"max":9,"avg":5,"n":2,"trend":"rising","u":""},"__proto__":{"v":1}}}')), 1);
    expect(s.get('constructor@constructor')!.stat?.v).toBe(9);
    expect([...s.get('constructor@constructor')!.ring.view()[1]]).toEqual([1, 9]);
    expect(s.list()).toHaveLength(3);
  });
});

describe('SeriesStore.applyCompact', () => {
  const name = fc.constantFrom('host.cpu.total', 'host.cpu.core0', 'host.mem.used', '__proto__', 'constructor');
  const compactStat: fc.Arbitrary<CompactStat> = fc.oneof(
    fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
    fc.record(
      {
        v: fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
        l: fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
        h: fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
        a: fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
        d: fc.constantFrom(-1 as const, 0 as const, 1 as const),
        n: fc.nat(1000),
        u: fc.constantFrom('%', 'B', ''),
      },
      { requiredKeys: ['v'] },
    ),
  );
  // A tick: its layout (distinct names; a new array when it changes, as the stream model keeps it), time step and stats.
  const tick = fc.uniqueArray(name, { minLength: 1, maxLength: 5 }).chain((keys) =>
    fc.record({
      keys: fc.constant(keys),
      dt: fc.integer({ min: -1000, max: 2000 }),
      values: fc.array(compactStat, { minLength: keys.length, maxLength: keys.length }),
      same: fc.boolean(),
      // A snapshot first (a reconnect) of another history: the store's series are new objects, the layout array kept.
      resnap: fc.constantFrom(0, 0, 0, 3, 4),
    }),
  );

  it('leaves the store as applyTick of the expanded tick does, layouts reused and changed, snapshots between, replays and filters included', () => {
    fc.assert(
      fc.property(fc.array(tick, { minLength: 1, maxLength: 12 }), fc.boolean(), (ticks, filtered) => {
        const accept = filtered ? (i: { name: string }) => i.name !== 'host.mem.used' : undefined;
        const a = new SeriesStore(accept, 5);
        const b = new SeriesStore(accept, 5);
        a.applySnapshot(snap, 0);
        b.applySnapshot(snap, 0);
        let t = 10_000;
        let layout: string[] | null = null;
        for (const [i, k] of ticks.entries()) {
          t += k.dt;
          if (k.resnap) for (const s of [a, b]) s.applySnapshot({ ...snap, settings: { ...snap.settings, history: k.resnap } }, i);
          // Tick after tick the stream model hands over the same layout array until the keys change.
          if (!layout || !k.same || layout.length !== k.keys.length) layout = [...k.keys];
          const keys = layout;
          const c: CompactTick = { t, source: 'a', values: k.values.slice(0, keys.length) };
          expect(a.applyCompact('host', 'a', t, keys, c.values, i)).toBe(b.applyTick('host', expandCompact(c, keys)!, i));
        }
        const state = (s: SeriesStore) => s.list().map((x) => ({ key: x.key, unit: x.unit, stat: x.stat, seenAt: x.seenAt, version: x.version, points: x.ring.view().map((v) => [...v]) }));
        expect(state(a)).toEqual(state(b));
        expect(a.structure).toBe(b.structure);
      }),
      { numRuns: 300 },
    );
  });
});
