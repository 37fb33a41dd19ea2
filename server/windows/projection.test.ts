import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChannelName, groupTimes, Snapshot, snapshotLayout, type Stat, type TickEvent } from '../../shared/schema.js';
import { MemoryHub } from '../hub/memory-hub.js';
import { Projection, type ProjectionOptions } from './projection.js';

const settings = { interval: 1000, window: 60_000, history: 5, heartbeat: 15_000 };
const stat = (v: number, u = ''): Stat => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable', u });

function projection(opts: ProjectionOptions = {}) {
  const hub = new MemoryHub({ epoch: 'e1' });
  const p = new Projection(hub, { history: 5, ...opts });
  p.start();
  const publish = (channel: ChannelName, t: number, source: string, values: Record<string, number>) =>
    hub.publish(channel, { t, source, values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, stat(v)])) });
  return { p, publish };
}

/** What a client receives: the JSON text, parsed back with the shared schema. */
const wire = (s: Snapshot) => Snapshot.parse(JSON.parse(JSON.stringify(s)));

describe('Projection snapshot', () => {
  it('groups by channel and source with one timeline, and round-trips through the Snapshot schema', () => {
    const { p, publish } = projection();
    publish('host', 1000, 'a', { 'host.cpu': 1, 'host.mem': 10 });
    publish('app', 1500, 'job', { 'app.q': 7 });
    publish('host', 2001, 'a', { 'host.cpu': 2, 'host.mem': 20 });
    const snap = p.snapshot(settings, {}, false, 'e1', 3000);
    expect(wire(snap)).toEqual(snap);
    expect(snap.groups).toEqual([
      { channel: 'host', source: 'a', t0: 1000, dt: [1001], values: { 'host.cpu': stat(2), 'host.mem': stat(20) }, history: { 'host.cpu': [1, 2], 'host.mem': [10, 20] } },
      { channel: 'app', source: 'job', t0: 1500, dt: [], values: { 'app.q': stat(7) }, history: { 'app.q': [7] } },
    ]);
    expect(p.snapshot(settings, { channels: new Set(['app']) }, false, 'e1', 3000).groups.map((g) => g.source)).toEqual(['job']);
  });

  it('has null exactly where a tick did not carry a metric, and for ticks before it first appeared', () => {
    const { p, publish } = projection();
    publish('app', 1, 's', { 'app.a': 1 });
    publish('app', 2, 's', { 'app.a': 2, 'app.b': 20 });
    publish('app', 3, 's', { 'app.a': 3 });
    publish('app', 4, 's', { 'app.a': 4, 'app.b': 40 });
    const [g] = wire(p.snapshot(settings, {}, false, 'e1', 5)).groups;
    expect(g.history).toEqual({ 'app.a': [1, 2, 3, 4], 'app.b': [null, 20, null, 40] });
    expect(g.values['app.b'].v).toBe(40);
  });

  it('gives the newest N points per group, all for more than it holds, and none for 0 with every value', () => {
    const { p, publish } = projection();
    for (let t = 1; t <= 8; t++) publish('host', t * 1000, 'a', { 'host.cpu': t });
    const points = (n?: number) => p.snapshot(settings, {}, false, 'e1', 9000, n).groups[0];
    expect(groupTimes(points(2))).toEqual([7000, 8000]);
    expect(points(2).history['host.cpu']).toEqual([7, 8]);
    expect(points(1000)).toEqual(points());
    expect(groupTimes(points())).toEqual([4000, 5000, 6000, 7000, 8000]);
    expect(points(0)).toEqual({ channel: 'host', source: 'a', dt: [], values: { 'host.cpu': stat(8) }, history: { 'host.cpu': [] } });
    expect(wire(p.snapshot(settings, {}, false, 'e1', 9000, 0)).groups[0].t0).toBeUndefined();
  });

  it('holds fixed-size rings: memory stays the same over many ticks', () => {
    const { p, publish } = projection({ history: 60 });
    const tick = (t: number) => publish('host', t, 'a', { 'host.a': t, 'host.b': -t, ...(t % 3 ? {} : { 'host.c': t }) });
    for (let t = 0; t < 3; t++) tick(t);
    const bytes = p.historyBytes;
    expect(bytes).toBe((1 + 3) * 60 * 8);
    for (let t = 3; t < 20_000; t++) tick(t);
    expect(p.historyBytes).toBe(bytes);
    expect(p.size).toBe(3);
    const [g] = p.snapshot(settings, {}, false, 'e1', 20_000).groups;
    expect(g.dt).toHaveLength(59);
    expect(g.history['host.c'].filter((v) => v !== null)).toHaveLength(20);
  });

  it('drops series idle for idleTtl, then their group when it has none, and caps new series', () => {
    const { p, publish } = projection({ idleTtl: 100_000, maxSeries: 3 });
    publish('app', 0, 'old', { 'app.x': 1 });
    publish('app', 0, 'live', { 'app.y': 1, 'app.z': 1 });
    publish('app', 10, 'late', { 'app.w': 1 });
    expect(p.size).toBe(3);
    expect(p.channels()).toEqual([{ name: 'app', sources: ['live', 'old'], metrics: 3 }]);
    for (let t = 70_000; t <= 210_000; t += 70_000) publish('app', t, 'live', { 'app.y': t });
    expect(p.snapshot(settings, {}, false, 'e1', 210_000).groups.map((g) => [g.source, Object.keys(g.values)])).toEqual([['live', ['app.y']]]);
    expect(p.latest()).toEqual([{ channel: 'app', source: 'live', values: { 'app.y': stat(210_000) }, updated: { 'app.y': 210_000 } }]);
  });

  it('forgets everything on clear()', () => {
    const { p, publish } = projection();
    publish('host', 1, 'a', { 'host.cpu': 1 });
    p.clear('e2-0');
    expect([p.size, p.historyBytes, p.lastId, p.snapshot(settings, {}, true, 'e2', 2).groups]).toEqual([0, 0, 'e2-0', []]);
  });
});

describe('Projection snapshot for a compact stream', () => {
  const layoutOf = (p: Projection) => wire(p.snapshot(settings, { compact: true }, false, 'e1', 9000)).groups.map((g) => [g.keys, snapshotLayout(g)]);

  it("lists values in the last tick's key order and leaves out keys when that order says the layout", () => {
    const { p, publish } = projection();
    publish('host', 1000, 'a', { 'host.b': 1, 'host.a': 2 });
    publish('host', 2000, 'a', { 'host.a': 3, 'host.b': 4 });
    expect(layoutOf(p)).toEqual([[undefined, ['host.a', 'host.b']]]);
    // Without compact nothing changes: no keys.
    expect(p.snapshot(settings, {}, false, 'e1', 9000).groups[0].keys).toBeUndefined();
  });

  it('gives keys when the group holds metrics its last tick did not carry', () => {
    const { p, publish } = projection();
    publish('app', 1000, 's', { 'app.a': 1, 'app.b': 2 });
    publish('app', 2000, 's', { 'app.b': 3 });
    expect(layoutOf(p)).toEqual([[['app.b'], ['app.b']]]);
  });

  it('gives keys when a key looks like an array index (JSON.parse would reorder it)', () => {
    const { p, publish } = projection();
    publish('app', 1000, 's', { 'app.a': 1, '7': 2 });
    // (The tick object itself already holds '7' first.)
    expect(layoutOf(p)).toEqual([[['7', 'app.a'], ['7', 'app.a']]]);
  });
});

describe('Projection snapshot, property', () => {
  const channel = fc.constantFrom<ChannelName>('host', 'app');
  const source = fc.constantFrom('a', 'b');
  // Whole-number times in any order (clock steps back too); values any finite double but -0, which JSON cannot carry.
  const value = fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v));
  const tick = fc.record({
    channel,
    t: fc.integer({ min: 0, max: 4e12 }),
    source,
    values: fc.dictionary(fc.constantFrom('m.a', 'm.b', 'm.c'), value, { minKeys: 1 }),
  });

  it('reproduces exactly the last N ticks of every group, in order of first appearance', () => {
    fc.assert(
      fc.property(fc.array(tick, { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), fc.option(fc.nat(12), { nil: undefined }), (ticks, capacity, points) => {
        const hub = new MemoryHub({ epoch: 'e1' });
        const p = new Projection(hub, { history: capacity, idleTtl: Infinity });
        p.start();
        const sent: Array<{ channel: ChannelName; tick: TickEvent }> = ticks.map(({ channel, t, source, values }) => ({
          channel,
          tick: { t, source, values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, stat(v)])) },
        }));
        for (const s of sent) hub.publish(s.channel, s.tick);
        const snap = wire(p.snapshot({ ...settings, history: capacity }, {}, false, 'e1', 0, points));

        const keys = [...new Set(sent.map((s) => `${s.channel}@${s.tick.source}`))];
        expect(snap.groups.map((g) => `${g.channel}@${g.source}`)).toEqual(keys);
        for (const g of snap.groups) {
          const mine = sent.filter((s) => s.channel === g.channel && s.tick.source === g.source).map((s) => s.tick);
          const names = [...new Set(mine.flatMap((t) => Object.keys(t.values)))];
          const last = mine.slice(mine.length - Math.min(points ?? Infinity, capacity, mine.length));
          expect(groupTimes(g)).toEqual(last.map((t) => t.t));
          expect(Object.keys(g.values)).toEqual(names);
          for (const name of names) {
            expect(g.values[name]).toEqual(mine.findLast((t) => name in t.values)!.values[name]);
            expect(g.history[name]).toEqual(last.map((t) => t.values[name]?.v ?? null));
          }
        }
        p.stop();
      }),
      { numRuns: 300 },
    );
  });
});

describe('Projection and the sources’ live stats', () => {
  it('keeps its own copy of each stat: a window recording after the tick changes neither the base of the next tick nor the snapshot', async () => {
    const { SeriesWindows } = await import('./series-windows.js');
    const hub = new MemoryHub({ epoch: 'e1' });
    const p = new Projection(hub, { history: 5 });
    p.start();
    const windows = new SeriesWindows({ span: 60_000 }, 100);
    const live = windows.record('app.x', 's', 'ms', 1000, 5);
    hub.publish('app', { t: 1000, source: 's', values: { 'app.x': live } });
    // The next sample lands in the same object (SeriesWindows.record's rule) before its tick is published.
    expect(windows.record('app.x', 's', 'ms', 2000, 9)).toBe(live);
    expect(live).toMatchObject({ v: 9, max: 9, n: 2 });
    // What every client holds is still the published tick's figures: the encoder compares the next tick with these.
    expect(p.statBase('app', 's')!('app.x')).toEqual({ v: 5, min: 5, max: 5, avg: 5, n: 1, trend: 'stable', u: 'ms' });
    expect(p.snapshot(settings, {}, false, 'e1', 2000).groups[0].values['app.x']).toEqual({ v: 5, min: 5, max: 5, avg: 5, n: 1, trend: 'stable', u: 'ms' });
    hub.publish('app', { t: 2000, source: 's', values: { 'app.x': live } });
    windows.record('app.x', 's', 'ms', 3000, 1);
    expect(p.statBase('app', 's')!('app.x')).toEqual({ v: 9, min: 5, max: 9, avg: 7, n: 2, trend: 'stable', u: 'ms' });
    p.stop();
  });
});
