import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stat, TickEvent } from '../shared/schema.js';
import { MemoryHub } from '../server/hub/memory-hub.js';
import { tickKeys } from '../server/hub/tick-keys.js';
import { sameKeys } from '../shared/series.js';
import { ScrapeTarget } from '../server/sources/scrape/scrape-target.js';
import { parseTargetSpec } from '../server/sources/scrape/target-spec.js';
import { SeriesWindows } from '../server/windows/series-windows.js';

/*
 * What a scrape target reads through its caches (the series of the last page in
 * page order, each series' sample and point objects, the histogram windows) when
 * the page changes under it: values, label sets, order, resets. A real HTTP
 * server on port 0 serves the pages given; each scrape() is one round at a
 * clock the test sets, so rates are exact.
 */

let server: Server;
let pages: string[] = [];
let url = '';

beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(pages.shift() ?? ''));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics;name=t`;
});
afterAll(() => new Promise((r) => server.close(r)));

/** Scrapes each page in turn, 1 s apart; the values of each round's tick by key. */
async function rounds(...texts: string[]): Promise<Array<Record<string, number>>> {
  return (await statRounds(texts)).map((r) => Object.fromEntries(Object.entries(r).map(([k, s]) => [k, s.v])));
}

/**
 * As rounds, the whole stats of each round's tick, copied while it is published
 * (a tick's stats are its windows' live ones). `between(i, windows)` runs after round i.
 */
async function statRounds(texts: string[], between?: (i: number, windows: SeriesWindows) => void): Promise<Array<Record<string, Stat>>> {
  const spec = parseTargetSpec(url);
  if (!spec.ok) throw new Error(spec.error);
  const hub = new MemoryHub({ capacity: 64 });
  let clock = 1_000_000;
  const windows = new SeriesWindows({ span: 60_000 }, 1000);
  const target = new ScrapeTarget({ spec: spec.spec, hub, windows, logger: pino({ level: 'silent' }), interval: 1000, window: 60_000, maxSeries: 1000, now: () => clock });
  const ticks: TickEvent[] = [];
  const copies: Array<Record<string, Stat>> = [];
  hub.subscribe((e) => {
    if (!('tick' in e)) return;
    ticks.push(e.tick);
    copies.push(structuredClone({ ...e.tick.values }));
  });
  const out: Array<Record<string, Stat>> = [];
  let lastKeys: readonly string[] | null = null;
  try {
    for (const text of texts) {
      pages = [text];
      const before = ticks.length;
      await target.scrape();
      expect(target.state, String(target.problem)).toBe('up');
      const values = ticks.length > before ? (ticks.at(-1)!.values as Record<string, Stat>) : {};
      // Its stats as published are what the windows hold now (read before the next record).
      if (ticks.length > before) expect({ ...values }).toEqual(copies.at(-1));
      // The keys the target hands every stage (tickKeys) are the tick's own, in its order, each once;
      // the very array of the tick before while they are the same.
      const keys = tickKeys(values);
      expect(keys).toEqual(Object.keys(values));
      if (ticks.length > before && lastKeys) expect(keys === lastKeys).toBe(sameKeys(lastKeys, Object.keys(values)));
      if (ticks.length > before) lastKeys = keys;
      out.push(ticks.length > before ? copies.at(-1)! : {});
      between?.(out.length - 1, windows);
      clock += 1000;
    }
  } finally {
    await target.stop();
  }
  return out;
}

describe('a scrape target read through its caches', () => {
  it('gives a line its new value after it was cached, and the same value when it repeats', async () => {
    const r = await rounds('g{a="1"} 1\nh 2\n', 'g{a="1"} 5\nh 2\n', 'g{a="1"} 5\nh 2.5e3\n', 'g{a="1"} -0.125\nh 2.5e3\n');
    expect(r).toEqual([
      { 'g{a=1}': 1, h: 2 },
      { 'g{a=1}': 5, h: 2 },
      { 'g{a=1}': 5, h: 2500 },
      { 'g{a=1}': -0.125, h: 2500 },
    ]);
  });

  it('follows a label set that changes, lines that move, and series that come and go', async () => {
    const r = await rounds(
      'x{a="1"} 1\nx{a="2"} 2\ny 3\n',
      'x{a="2"} 20\nx{a="3"} 30\ny 4\n', // a="1" gone, a="3" new, a="2" moved up a line
      'y 5\nx{a="3"} 31\nx{a="1"} 11\n', // every line somewhere else
      'y 6\ny 7\nx{a="3", b="z"} 32\n', // a series twice (the last wins), a label added
    );
    expect(r).toEqual([
      { 'x{a=1}': 1, 'x{a=2}': 2, y: 3 },
      { 'x{a=2}': 20, 'x{a=3}': 30, y: 4 },
      { y: 5, 'x{a=3}': 31, 'x{a=1}': 11 },
      { y: 7, 'x{a=3,b=z}': 32 },
    ]);
  });

  it('sees a counter reset through the cache: counted from zero, as rate() does', async () => {
    const page = (v: number, w: number) => `# TYPE tok counter\ntok_total{m="a"} ${v}\ntok_total{m="b"} ${w}\n`;
    const r = await rounds(page(100, 7), page(150, 7), page(20, 9), page(50, 9.5));
    expect(r).toEqual([{}, { 'tok{m=a}': 50, 'tok{m=b}': 0 }, { 'tok{m=a}': 20, 'tok{m=b}': 2 }, { 'tok{m=a}': 30, 'tok{m=b}': 0.5 }]);
  });

  it('starts a histogram window over when its buckets fall, and when its bounds change', async () => {
    const hist = (le: string[], counts: number[]) => `# TYPE lat histogram\n${le.map((l, i) => `lat_bucket{le="${l}"} ${counts[i]}`).join('\n')}\nlat_count ${counts.at(-1)}\n`;
    const r = await rounds(
      hist(['0.1', '1', '+Inf'], [0, 0, 0]),
      hist(['0.1', '1', '+Inf'], [10, 10, 10]), // 10 ≤ 0.1
      hist(['0.1', '1', '+Inf'], [2, 4, 4]), // reset: the window starts over here
      hist(['0.1', '1', '+Inf'], [2, 14, 14]), // since the reset: 10 in (0.1, 1]
      hist(['0.5', '1', '+Inf'], [20, 20, 20]), // other bounds: over again
    );
    expect(r[0]).toEqual({});
    expect(r[1]).toMatchObject({ 'lat.rate': 10, 'lat.p50': 0.05 });
    expect(r[2]).toEqual({ 'lat.rate': 4 });
    expect(r[3]['lat.rate']).toBe(10);
    expect(r[3]['lat.p50']).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(r[4]).toEqual({ 'lat.rate': 6 });
  });

  it('gives every tick its own stats while the page stays the same, and a series the windows forgot starts anew', async () => {
    const page = (v: number) => `g{a="1"} ${v}\ng{a="2"} ${v + 1}\nh ${v + 2}\n`;
    const r = await statRounds([page(1), page(2), page(3), page(4), page(5)], (i, windows) => {
      // As the windows' sweep does to a series gone quiet: its window, and the stat object it owned, are gone.
      if (i === 2) windows.delete('g{a=2}', 't');
    });
    expect(r.map((x) => x['g{a=1}'].n)).toEqual([1, 2, 3, 4, 5]);
    expect(r.map((x) => x.h.v)).toEqual([3, 4, 5, 6, 7]);
    expect(r.map((x) => [x['g{a=2}'].v, x['g{a=2}'].n, x['g{a=2}'].min])).toEqual([
      [2, 1, 2],
      [3, 2, 2],
      [4, 3, 2],
      [5, 1, 5],
      [6, 2, 5],
    ]);
    expect(r[4]['g{a=1}']).toEqual({ v: 5, min: 1, max: 5, avg: 3, n: 5, trend: 'rising', u: '' });
  });

  it('keeps the order and stats right when lines drop off the end, come back, and repeat', async () => {
    const r = await statRounds(['a 1\nb 2\nc 3\n', 'a 2\nb 3\n', 'a 3\nb 4\nc 5\n', 'a 4\nb 5\nb 6\nc 7\n', 'a 5\nb 7\nc 8\n']);
    expect(r.map((x) => Object.keys(x))).toEqual([['a', 'b', 'c'], ['a', 'b'], ['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']]);
    expect(r.map((x) => Object.values(x).map((s) => `${s.v}/${s.n}`))).toEqual([
      ['1/1', '2/1', '3/1'],
      ['2/2', '3/2'],
      ['3/3', '4/3', '5/2'],
      ['4/4', '6/5', '7/3'],
      ['5/5', '7/6', '8/4'],
    ]);
  });
});
