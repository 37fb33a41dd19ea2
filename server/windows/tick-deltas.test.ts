import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChange, type ChannelName, CompactTick, expandCompact, Snapshot, snapshotLayout, type Stat, StreamTick } from '../../shared/schema.js';
import { MemoryHub } from '../hub/memory-hub.js';
import { frameFor, type HubEvent } from '../hub/hub.js';
import { compactTickJson, streamTickJson } from '../hub/tick-json.js';
import { tickKeys, withTickKeys } from '../hub/tick-keys.js';
import { eventMatches, Projection, type SnapshotFilter } from './projection.js';

/*
 * Ticks leave out what a client already has, judged against the projection (as
 * pipeline.ts wires it). Whatever the order of ticks, connects, drops and resumes,
 * and whichever channels and sources a client follows, folding what it received
 * must give it every stat the server holds (n aside: it is a snapshot's only).
 * Compact clients (`?compact=1`) also track each group's layout, and must never
 * meet a tick whose layout they do not hold.
 */

const settings = { interval: 1000, window: 60_000, history: 4, heartbeat: 15_000 };

class Client {
  readonly state = new Map<string, Stat>();
  readonly layouts = new Map<string, string[]>();
  lastId = '';
  live = false;
  constructor(readonly filter: SnapshotFilter) {}

  snapshot(json: string, id: string): void {
    this.state.clear();
    this.layouts.clear();
    for (const g of Snapshot.parse(JSON.parse(json)).groups) {
      for (const k in g.values) this.state.set(`${g.channel}|${k}@${g.source}`, g.values[k]);
      if (this.filter.compact) this.layouts.set(`${g.channel}@${g.source}`, snapshotLayout(g));
    }
    this.lastId = id;
  }

  event(e: HubEvent): void {
    if (!eventMatches(e, this.filter)) return;
    const data = /\ndata: (.*)\n/.exec(frameFor(e, this.filter.compact).toString())![1];
    let tick: StreamTick;
    const json = JSON.parse(data);
    // A compact client gets keyed frames where the server has no compact one: it tells them by `values`.
    expect(Array.isArray(json.values)).toBe(!!this.filter.compact && frameFor(e, true) !== e.frame);
    if (Array.isArray(json.values)) {
      const c = CompactTick.parse(json);
      const group = `${e.channel}@${c.source}`;
      const expanded = expandCompact(c, this.layouts.get(group));
      expect(expanded, `layout of ${group} known at ${e.id}`).not.toBeNull();
      if (c.keys) this.layouts.set(group, c.keys);
      tick = expanded!;
    } else {
      tick = StreamTick.parse(json);
      this.layouts.set(`${e.channel}@${tick.source}`, Object.keys(tick.values));
    }
    for (const k in tick.values) {
      const key = `${e.channel}|${k}@${tick.source}`;
      this.state.set(key, applyChange(this.state.get(key), tick.values[k]));
    }
    this.lastId = e.id;
  }
}

type Op =
  | { kind: 'tick'; channel: ChannelName; source: string; dt: number; values: Record<string, [number, number, number]> }
  | { kind: 'connect'; channels: ChannelName[] | null; sources: string[] | null; compact: boolean }
  | { kind: 'drop' | 'resume'; client: number };

const channel = fc.constantFrom<ChannelName>('host', 'app');
const source = fc.constantFrom('a', 'b');
// Few distinct numbers, so that fields repeat as they do on a real stream.
const small = fc.integer({ min: 0, max: 3 });
// Ticks of a few key lists, so that a list often repeats the one before it (a compact tick then leaves its keys out).
const layoutValues = fc
  .tuple(fc.constantFrom(['m.a'], ['m.a', 'm.b'], ['m.b', 'm.a'], ['m.a', 'm.b', 'm.c']), fc.array(fc.tuple(small, small, small), { minLength: 3, maxLength: 3 }))
  .map(([keys, vs]) => Object.fromEntries(keys.map((k, i) => [k, vs[i]])) as Record<string, [number, number, number]>);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tick' as const), channel, source, dt: fc.constantFrom(1000, 1000, 1000, 200_000), values: fc.oneof(layoutValues, fc.dictionary(fc.constantFrom('m.a', 'm.b', 'm.c', 'm.d'), fc.tuple(small, small, small), { minKeys: 1 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('connect' as const), channels: fc.option(fc.subarray<ChannelName>(['host', 'app'], { minLength: 1 }), { nil: null }), sources: fc.option(fc.subarray(['a', 'b'], { minLength: 1 }), { nil: null }), compact: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('drop' as const, 'resume' as const), client: fc.nat(4) }) },
);

describe('ticks that carry only what changed', () => {
  it('fold into exactly the server state for every client: live, resumed by id, reset, filtered, past sweeps and caps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), fc.integer({ min: 2, max: 64 }), fc.integer({ min: 3, max: 8 }), async (ops, replay, maxSeries) => {
        const hub = new MemoryHub({ epoch: 'e1', capacity: replay });
        const p = new Projection(hub, { history: 4, idleTtl: 100_000, maxSeries });
        p.start();
        hub.encodeWith((ch, tick) => {
          const base = p.statBase(ch, tick.source);
          // By place where the tick's keys are the very array of its group's last tick (as a scrape target's are).
          const placed = p.placedBase(ch, tick.source, tickKeys(tick.values));
          const json = streamTickJson(tick, base, undefined, placed);
          // Some events without a compact frame, as a Redis replay of entries this server did not encode: keyed for everyone.
          return tick.t % 2000 === 0 ? { json } : { json, compact: compactTickJson(tick, base, p.layout(ch, tick.source), placed) };
        });
        const clients: Client[] = [];
        hub.subscribe((e) => {
          for (const c of clients) if (c.live) c.event(e);
        });
        const connect = (c: Client, reset: boolean) => {
          const snap = p.snapshot(settings, c.filter, reset, 'e1', 0);
          c.snapshot(JSON.stringify(snap), p.lastId);
          c.live = true;
        };
        let t = 0;
        const lastKeys = new Map<string, string[]>();
        for (const o of ops) {
          if (o.kind === 'tick') {
            t += o.dt;
            const values = Object.fromEntries(Object.entries(o.values).map(([k, [v, lo, trend]]) => [k, { v, min: lo, max: v + lo, avg: v / 2, n: t % 7, trend: (['rising', 'falling', 'stable'] as const)[trend % 3], u: lo ? 'ms' : '' }]));
            // As a scrape target: the same keys array as the group's last tick while its keys stay, and its stats by place.
            const group = `${o.channel}@${o.source}`;
            const keys = Object.keys(values);
            const last = lastKeys.get(group);
            const same = last && last.length === keys.length && last.every((k, i) => k === keys[i]);
            if (!same) lastKeys.set(group, keys);
            if (t % 3000 !== 0) withTickKeys(values, lastKeys.get(group)!, keys.map((k) => values[k]));
            hub.publish(o.channel, { t, source: o.source, values });
          } else if (o.kind === 'connect') {
            const c = new Client({ channels: o.channels && new Set(o.channels), sources: o.sources && new Set(o.sources), compact: o.compact });
            clients.push(c);
            connect(c, false);
          } else {
            const c = clients[o.client];
            if (!c) continue;
            if (o.kind === 'drop') c.live = false;
            else if (!c.live) {
              const r = await hub.replay(c.lastId);
              if (r.kind === 'events') {
                for (const e of r.events) c.event(e);
                c.live = true;
              } else connect(c, true);
            }
          }
        }
        for (const c of clients) {
          if (!c.live) {
            const r = await hub.replay(c.lastId);
            if (r.kind === 'events') for (const e of r.events) c.event(e);
            else connect(c, true);
          }
          for (const g of p.snapshot(settings, c.filter, false, 'e1', 0).groups) {
            for (const k in g.values) expect({ ...c.state.get(`${g.channel}|${k}@${g.source}`), n: 0 }).toEqual({ ...g.values[k], n: 0 });
          }
        }
      }),
      {
        numRuns: 300,
        examples: [
          // A keyed event (no compact frame) changes the layout; the compact tick after it leaves its keys out.
          [
            [
              { kind: 'connect', channels: null, sources: null, compact: true },
              { kind: 'tick', channel: 'host', source: 'a', dt: 1000, values: { 'm.a': [1, 0, 0] } },
              { kind: 'tick', channel: 'host', source: 'a', dt: 1000, values: { 'm.b': [2, 0, 0], 'm.a': [1, 0, 0] } },
              { kind: 'tick', channel: 'host', source: 'a', dt: 1000, values: { 'm.b': [3, 0, 0], 'm.a': [1, 1, 0] } },
            ],
            8,
            8,
          ],
        ],
      },
    );
  });
});
