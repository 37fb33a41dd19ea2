import { describe, expect, it } from 'vitest';
import { expandSnapshot, groupTimes, Snapshot } from '../../shared/schema.js';
import { MemoryHub } from '../hub/memory-hub.js';
import { Projection } from '../windows/projection.js';
import { SnapshotCache } from './snapshot-cache.js';
import { columnExponent, pointJson } from './snapshot-json.js';
import recorded from './testdata/default-page-snapshot.json' with { type: 'json' };

const settings = { interval: 1000, window: 60_000, history: 300, heartbeat: 15_000 };

function setup(history = settings.history) {
  const hub = new MemoryHub({ epoch: 'e1' });
  const projection = new Projection(hub, { history });
  projection.start();
  return { hub, projection, cache: new SnapshotCache(projection, { ...settings, history }) };
}

const data = (frame: Buffer) => expandSnapshot(Snapshot.parse(JSON.parse(/\ndata: (.*)\n\n$/.exec(frame.toString())![1])));

describe('SnapshotCache', () => {
  it('keys frames on the points per group; every count at or above the history shares one', () => {
    const { hub, cache } = setup(4);
    for (let t = 1; t <= 6; t++) hub.publish('host', { t, source: 'a', values: { 'host.x': { v: t, min: 0, max: t, avg: 0, n: t, trend: 'stable', u: '' } } });
    const frame = (points?: number) => cache.frame({ points }, false, 'e1', 10).bytes;
    expect(groupTimes(data(frame(2)).groups[0])).toEqual([5, 6]);
    expect(groupTimes(data(frame(0)).groups[0])).toEqual([]);
    expect(frame(2)).toBe(frame(2));
    expect(frame(4)).toBe(frame());
    expect(frame(1e21)).toBe(frame());
    expect(groupTimes(data(frame()).groups[0])).toEqual([3, 4, 5, 6]);
  });

  /*
   * Issue 7's target is a default-page snapshot (every channel, `history=60`) of
   * at most 16 KB. testdata/default-page-snapshot.json is GET api/snapshot?history=60
   * of a real server (`--interval 1000`, 39 series on host, process and http,
   * ~13 requests/s so the http series are not all zero), captured 2026-11-23 in
   * the plain JSON of the time: 17,068 B. An idle server's is smaller; the
   * loaded recording is the honest case to hold the format to.
   *
   * Asserted, deterministically: that recording replayed through the hub,
   * projection and cache comes out the same (history points at the 4 significant
   * digits snapshotJson writes), its frame is at most 16,000 B, and under a third
   * of the same data in the previous per-series encoding (`metrics`, per-series
   * `{t, v}` history, `stats`).
   */
  it('encodes a recorded 39-series default-page snapshot unchanged, in under a third of the per-series encoding', () => {
    // Recorded before checks existed: a server without checks sends an empty list.
    const snap = expandSnapshot(Snapshot.parse({ ...(recorded as object), checks: [] }));
    const { hub, cache } = setup();
    const ticks = snap.groups.flatMap((g) =>
      groupTimes(g).map((t, i) => ({
        channel: g.channel,
        tick: {
          t,
          source: g.source,
          values: Object.fromEntries(Object.entries(g.values).flatMap(([name, stat]) => (g.history[name][i] === null ? [] : [[name, { ...stat, v: g.history[name][i]! }]]))),
        },
      })),
    );
    ticks.sort((a, b) => a.tick.t - b.tick.t);
    for (const { channel, tick } of ticks) hub.publish(channel, tick);
    const { bytes } = cache.frame({ points: 60 }, false, snap.epoch, snap.t);
    const replayed = data(bytes);
    expect(replayed.groups.reduce((n, g) => n + Object.keys(g.values).length, 0)).toBe(39);
    // Each column rounded as snapshotJson rounds it (to a hundredth of its spread, 4 digits at most).
    const rounded = (vs: (number | null)[]) => vs.map((v) => (v === null ? null : (JSON.parse(pointJson(v, columnExponent([vs]))) as number)));
    expect(replayed).toEqual({ ...snap, groups: snap.groups.map((g) => ({ ...g, history: Object.fromEntries(Object.entries(g.history).map(([k, vs]) => [k, rounded(vs)])) })) });
    expect(bytes.length).toBeLessThanOrEqual(16_000);

    const perSeries = { reset: snap.reset, epoch: snap.epoch, t: snap.t, settings: snap.settings, metrics: [] as object[], history: {} as Record<string, object>, stats: {} as Record<string, object> };
    for (const g of snap.groups) {
      const times = groupTimes(g);
      for (const [name, stat] of Object.entries(g.values)) {
        const key = `${name}@${g.source}`;
        perSeries.metrics.push({ name, unit: stat.u, channel: g.channel, source: g.source });
        perSeries.history[key] = { t: times.filter((_, i) => g.history[name][i] !== null), v: g.history[name].filter((v) => v !== null) };
        perSeries.stats[key] = stat;
      }
    }
    const before = Buffer.byteLength(`id: ${hub.lastId()}\nevent: snapshot\ndata: ${JSON.stringify(perSeries)}\n\n`);
    expect(bytes.length * 3).toBeLessThan(before);
  });
});
