import { describe, expect, it } from 'vitest';
import { MemoryHub } from './memory-hub.js';
import type { HubEvent } from './hub.js';

const tick = (n: number) => ({ t: n, source: 'a', values: {} });

describe('MemoryHub', () => {
  it('gives events increasing ids of its epoch and encodes each frame once', () => {
    const hub = new MemoryHub({ epoch: 'e1' });
    const seen: HubEvent[] = [];
    hub.subscribe((e) => seen.push(e));
    hub.publish('host', tick(1));
    hub.publish('http', tick(2));
    expect(seen.map((e) => e.id)).toEqual(['e1-1', 'e1-2']);
    expect(seen[1].frame.toString()).toBe('id: e1-2\nevent: http\ndata: {"t":2,"source":"a","values":{}}\n\n');
    expect(hub.lastId()).toBe('e1-2');
  });

  it('replays exactly the events after a known id', async () => {
    const hub = new MemoryHub({ epoch: 'e1', capacity: 8 });
    for (let i = 1; i <= 5; i++) hub.publish('host', tick(i));
    const r = await hub.replay('e1-2');
    expect(r.kind === 'events' && r.events.map((e) => e.seq)).toEqual([3, 4, 5]);
    const none = await hub.replay('e1-5');
    expect(none.kind === 'events' && none.events).toEqual([]);
  });

  it('keeps frames, channel, source and time for replay, and lets the values go once the listeners have had them', async () => {
    const hub = new MemoryHub({ epoch: 'e1', capacity: 8 });
    const seen: HubEvent[] = [];
    hub.subscribe((e) => seen.push(e));
    const stat = { v: 1, min: 1, max: 1, avg: 1, n: 1, trend: 'stable' as const, u: '%' };
    hub.publish('host', { t: 10, source: 'web-1', values: { 'host.cpu.total': stat } });
    const live = seen[0];
    expect(live.channel !== 'status' && Object.keys(live.tick.values)).toEqual(['host.cpu.total']);
    const r = await hub.replay('e1-0');
    const replayed = r.kind === 'events' ? r.events[0] : null;
    expect(replayed && replayed.channel === 'host' && replayed.tick).toEqual({ t: 10, source: 'web-1', values: {} });
    expect(replayed?.frame.equals(live.frame)).toBe(true);
  });

  it('answers with a reset for ids it cannot replay', async () => {
    const hub = new MemoryHub({ epoch: 'e1', capacity: 4 });
    for (let i = 1; i <= 10; i++) hub.publish('host', tick(i));
    expect(await hub.replay('e1-5')).toEqual({ kind: 'reset', reason: 'too-old' });
    expect((await hub.replay('e1-6')).kind).toBe('events');
    expect(await hub.replay('e0-6')).toEqual({ kind: 'reset', reason: 'epoch' });
    expect(await hub.replay('e1-11')).toEqual({ kind: 'reset', reason: 'future' });
    for (const bad of ['', 'garbage', 'e1-', '-5', 'e1-5\nevent: x', 'x'.repeat(100_000), 'e1-99999999999999999999']) {
      expect(await hub.replay(bad)).toEqual({ kind: 'reset', reason: 'malformed' });
    }
  });

  it('stops calling a listener once it unsubscribes', () => {
    const hub = new MemoryHub();
    let n = 0;
    const off = hub.subscribe(() => n++);
    hub.publish('host', tick(1));
    off();
    hub.publish('host', tick(2));
    expect(n).toBe(1);
  });
});

describe('MemoryHub replay budget', () => {
  const big = (n: number) => ({ t: n, source: 'a', values: { ['x'.repeat(1000)]: { v: n, min: n, max: n, avg: n, n: 1, trend: 'stable' as const, u: '' } } });

  it('holds at most maxBytes of frames: older ids get a reset, newer ones every event after them', async () => {
    const hub = new MemoryHub({ epoch: 'e1', capacity: 1000, maxBytes: 10_000 });
    let perEvent = 0;
    hub.subscribe((e) => (perEvent = e.frame.length)); // the same for i = 10..99
    for (let i = 1; i <= 50; i++) hub.publish('app', big(i));
    const held = Math.floor(10_000 / perEvent); // as many as fit, not fewer
    expect(held).toBe(8);
    expect(hub.replayBytes).toBe(held * perEvent);
    expect(await hub.replay(`e1-${50 - held - 1}`)).toEqual({ kind: 'reset', reason: 'too-old' });
    const r = await hub.replay(`e1-${50 - held}`);
    expect(r.kind === 'events' && r.events.map((e) => e.seq)).toEqual(Array.from({ length: held }, (_, i) => 50 - held + 1 + i));
  });

  it('always keeps the newest event, even one larger than the budget', async () => {
    const hub = new MemoryHub({ epoch: 'e1', capacity: 8, maxBytes: 100 });
    hub.publish('app', big(1));
    hub.publish('app', big(2));
    const r = await hub.replay('e1-1');
    expect(r.kind === 'events' && r.events.map((e) => e.seq)).toEqual([2]);
    expect(await hub.replay('e1-0')).toEqual({ kind: 'reset', reason: 'too-old' });
  });

  it('counts what the count cap drops, so small events after big ones fill the ring again', async () => {
    const hub = new MemoryHub({ epoch: 'e1', capacity: 4, maxBytes: 1 << 20 });
    for (let i = 1; i <= 4; i++) hub.publish('app', big(i));
    for (let i = 5; i <= 12; i++) hub.publish('host', tick(i));
    expect(hub.replayBytes).toBeLessThan(4 * 100);
    const r = await hub.replay('e1-8');
    expect(r.kind === 'events' && r.events.map((e) => e.seq)).toEqual([9, 10, 11, 12]);
  });
});
