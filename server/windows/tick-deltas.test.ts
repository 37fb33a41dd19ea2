import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChange, type ChannelName, CompactTick, expandCompact, Snapshot, snapshotLayout, type Stat, StreamTick } from '../../shared/schema.js';
import { MemoryHub } from '../hub/memory-hub.js';
import { frameFor, type HubEvent } from '../hub/hub.js';
import { compactTickJson, streamTickJson } from '../hub/tick-json.js';
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
    if (this.filter.compact) {
      const c = CompactTick.parse(JSON.parse(data));
      const group = `${e.channel}@${c.source}`;
      const expanded = expandCompact(c, this.layouts.get(group));
      expect(expanded, `layout of ${group} known at ${e.id}`).not.toBeNull();
      if (c.keys) this.layouts.set(group, c.keys);
      tick = expanded!;
    } else tick = StreamTick.parse(JSON.parse(data));
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
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tick' as const), channel, source, dt: fc.constantFrom(1000, 1000, 1000, 200_000), values: fc.dictionary(fc.constantFrom('m.a', 'm.b', 'm.c', 'm.d'), fc.tuple(small, small, small), { minKeys: 1 }) }) },
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
          return { json: streamTickJson(tick, base), compact: compactTickJson(tick, base, p.layout(ch, tick.source)) };
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
        for (const o of ops) {
          if (o.kind === 'tick') {
            t += o.dt;
            const values = Object.fromEntries(Object.entries(o.values).map(([k, [v, lo, trend]]) => [k, { v, min: lo, max: v + lo, avg: v / 2, n: t % 7, trend: (['rising', 'falling', 'stable'] as const)[trend % 3], u: lo ? 'ms' : '' }]));
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
      { numRuns: 300 },
    );
  });
});
