import { describe, expect, it } from 'vitest';
import { Ring } from './ring.js';
import type { Series } from './series-store.js';
import { groupTiles, isStale } from './view.js';

function series(name: string, source: string, channel: Series['channel'], seenAt: number, ts: number[] = []): Series {
  const ring = new Ring(10);
  ring.fill(ts, ts.map(() => 1));
  return { key: `${name}@${source}`, name, source, channel, unit: '%', ring, stat: null, seenAt, version: 0 };
}

describe('isStale', () => {
  it('turns stale past three intervals', () => {
    const s = series('host.cpu.total', 'a', 'host', 10_000, [9000, 10_000]);
    expect(isStale(s, 1000, 13_000)).toBe(false);
    expect(isStale(s, 1000, 13_001)).toBe(true);
  });

  it('uses the series own gap when it is slower than the interval', () => {
    const s = series('host.fs.root.percent', 'a', 'host', 30_000, [0, 30_000]);
    expect(isStale(s, 1000, 100_000)).toBe(false);
    expect(isStale(s, 1000, 120_001)).toBe(true);
  });

  it('is stale when there is no point at all', () => {
    expect(isStale(series('x', 'a', 'app', -Infinity), 1000, 0)).toBe(true);
  });
});

describe('groupTiles', () => {
  it('groups by source (first appearance), then channel in catalogue order, with short labels', () => {
    const g = groupTiles(
      [
        series('host.cpu.total', 'b', 'host', 0),
        series('http.rate', 'b', 'http', 0),
        series('host.cpu.total', 'a', 'host', 0),
        series('host.mem.used', 'b', 'host', 0),
        series('tokens', 'a', 'app', 0),
      ],
      1000,
      2500,
    );
    expect(g.map((x) => `${x.key}:${x.tiles.map((t) => t.label).join('+')}`)).toEqual([
      'host@b:cpu.total+mem.used',
      'http@b:rate',
      'host@a:cpu.total',
      'app@a:tokens',
    ]);
    expect(g[0].tiles[0].age).toBe('2 s ago');
  });

  it('orders a fleet view by the ?sources= list', () => {
    const g = groupTiles(
      [series('app.q', 'a', 'app', 0), series('host.x', 'c', 'host', 0), series('http.r', 'a', 'http', 0), series('host.x', 'b', 'host', 0)],
      1000,
      0,
      ['b', 'a'],
    );
    expect(g.map((x) => x.key)).toEqual(['host@b', 'http@a', 'app@a', 'host@c']);
  });
});
