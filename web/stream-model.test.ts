import { beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot, SnapshotGroup } from '../shared/schema.js';
import { SeriesStore } from './series-store.js';
import { type Clock, type EventSourceLike, StreamModel } from './stream-model.js';

/** A clock whose time only moves when the test says so. */
class FakeClock implements Clock {
  t = 1_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  /** Timer callbacks run so far. */
  fired = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => void this.timers.delete(h as number);
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.timers) if (e[1].at <= end && (!first || e[1].at < first[1].at)) first = e;
      if (!first) break;
      this.timers.delete(first[0]);
      this.t = first[1].at;
      this.fired++;
      first[1].fn();
    }
    this.t = end;
  }
}

/** Stands in for the browser's EventSource: the test plays the server. */
class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  private listeners = new Map<string, ((ev: MessageEvent) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, l: (ev: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close(): void {
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  emit(type: string, data: unknown, id = ''): void {
    const ev = new MessageEvent(type, { data: typeof data === 'string' ? data : JSON.stringify(data), lastEventId: id });
    for (const l of this.listeners.get(type) ?? []) l(ev);
  }
  /** The browser's retry after a dropped connection: still CONNECTING. */
  drop(): void {
    this.readyState = 0;
    this.onerror?.(new Event('error'));
  }
  /** A non-200 answer: the browser gives up for good. */
  fail(): void {
    this.readyState = 2;
    this.onerror?.(new Event('error'));
  }
}

const settings = { interval: 1000, window: 60_000, history: 5, heartbeat: 15_000 };
const cpuGroup = (t: number[], v: number[]): SnapshotGroup => ({
  channel: 'host',
  source: 'web-1',
  t0: t[0],
  dt: t.slice(1).map((x, i) => x - t[i]),
  values: { 'host.cpu.total': { v: v.at(-1)!, min: Math.min(...v), max: Math.max(...v), avg: 15, n: v.length, trend: 'rising', u: '%' } },
  history: { 'host.cpu.total': v },
});
function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    reset: false,
    epoch: 'e1',
    t: 1_000_000,
    settings,
    checks: [],
    groups: [cpuGroup([999_000, 1_000_000], [10, 20])],
    ...over,
  };
}
const tick = (t: number, v: number) => ({
  t,
  source: 'web-1',
  values: { 'host.cpu.total': { v, min: v, max: v, avg: v, n: 1, trend: 'stable', u: '%' } },
});

describe('StreamModel', () => {
  let clock: FakeClock;
  let sources: FakeSource[];
  let store: SeriesStore;
  let model: StreamModel;
  let changes: number;
  const last = () => sources[sources.length - 1];

  beforeEach(() => {
    clock = new FakeClock();
    sources = [];
    store = new SeriesStore();
    changes = 0;
    model = new StreamModel({
      url: (id) => (id ? `api/stream?lastEventId=${id}` : 'api/stream'),
      createEventSource: (url) => {
        const s = new FakeSource(url);
        sources.push(s);
        return s;
      },
      store,
      clock,
      random: () => 1,
      onChange: () => changes++,
    });
    model.start();
  });

  it('reads compact ticks against the layout its snapshot and ticks give, and starts over when it has none', () => {
    last().open();
    last().emit('snapshot', snapshot(), 'e1-1');
    const s = store.get('host.cpu.total@web-1')!;
    // Layout from the snapshot's values: one key.
    last().emit('host', { t: 1_001_000, source: 'web-1', values: [30] }, 'e1-2');
    expect([...s.ring.view()[1]]).toEqual([10, 20, 30]);
    // A tick that lists keys changes the layout for the ticks after it.
    last().emit('host', { t: 1_002_000, source: 'web-1', keys: ['host.mem', 'host.cpu.total'], values: [{ v: 5, l: 4, h: 6, a: 5, n: 1, d: 1, u: '%' }, 40] }, 'e1-3');
    last().emit('host', { t: 1_003_000, source: 'web-1', values: [6, 50] }, 'e1-4');
    expect([...s.ring.view()[1]]).toEqual([10, 20, 30, 40, 50]);
    expect(store.get('host.mem@web-1')!.stat).toMatchObject({ v: 6, min: 4, max: 6, avg: 5, trend: 'rising', u: '%' });
    expect(sources.length).toBe(1);
    // A group it has no layout for: never guessed; a fresh snapshot instead (no lastEventId).
    last().emit('host', { t: 1_004_000, source: 'web-2', values: [1] }, 'e1-5');
    expect(model.malformed).toBe(1);
    expect(model.lastProblem).toMatch(/no layout for host@web-2/);
    clock.advance(10_000);
    expect(sources.length).toBe(2);
    expect(last().url).toBe('api/stream');
    // Keys and values of different lengths are malformed, not read.
    last().open();
    last().emit('snapshot', snapshot(), 'e1-6');
    last().emit('host', { t: 1_005_000, source: 'web-1', keys: ['host.cpu.total'], values: [1, 2] }, 'e1-7');
    expect(model.malformed).toBe(2);
    expect(model.lastProblem).toMatch(/as long as each other/);
  });

  it('fills series from the snapshot, then appends live ticks', () => {
    expect(model.state).toBe('connecting');
    last().open();
    expect(model.state).toBe('live');
    last().emit('snapshot', snapshot(), 'e1-1');
    expect(model.state).toBe('live');
    expect(model.lastEventId).toBe('e1-1');
    const s = store.get('host.cpu.total@web-1')!;
    expect([...s.ring.view()[1]]).toEqual([10, 20]);
    last().emit('host', tick(1_001_000, 30), 'e1-2');
    expect([...s.ring.view()[1]]).toEqual([10, 20, 30]);
    expect(s.stat?.v).toBe(30);
    expect(changes).toBeGreaterThanOrEqual(2);
  });

  it('creates a series for a metric the snapshot did not have', () => {
    last().emit('snapshot', snapshot(), 'e1-1');
    last().emit('app', { t: 1_001_000, source: 'job', values: { 'app.queue': { v: 4, min: 4, max: 4, avg: 4, n: 1, trend: 'stable', u: '' } } }, 'e1-2');
    expect(store.get('app.queue@job')?.channel).toBe('app');
    expect(store.size).toBe(2);
  });

  it('counts a malformed event and keeps going', () => {
    last().emit('snapshot', snapshot(), 'e1-1');
    last().emit('host', '{not json', 'e1-2');
    last().emit('host', { t: 'soon', source: 'web-1', values: {} }, 'e1-3');
    expect(model.malformed).toBe(2);
    expect(model.lastProblem).toMatch(/malformed host event at t/);
    last().emit('host', tick(1_001_000, 30), 'e1-4');
    expect(store.get('host.cpu.total@web-1')!.stat?.v).toBe(30);
    expect(model.state).toBe('live');
  });

  it('counts a snapshot whose histories do not match its timeline as malformed', () => {
    last().emit('snapshot', snapshot({ groups: [{ ...cpuGroup([1, 2], [10, 20]), dt: [] }] }), 'e1-1');
    expect(model.malformed).toBe(1);
    expect(model.lastProblem).toMatch(/^malformed snapshot event at groups\.0\.history: history must have a column per metric/);
    expect(store.size).toBe(0);
  });

  it('replaces all state on a reset snapshot', () => {
    last().emit('snapshot', snapshot(), 'e1-1');
    last().emit('app', { t: 1_001_000, source: 'job', values: { 'app.queue': { v: 4, min: 4, max: 4, avg: 4, n: 1, trend: 'stable', u: '' } } }, 'e1-2');
    last().emit('snapshot', snapshot({ reset: true, epoch: 'e2', groups: [cpuGroup([5], [99])] }), 'e2-1');
    expect(model.resets).toBe(1);
    expect(model.epoch).toBe('e2');
    expect(store.size).toBe(1);
    expect([...store.get('host.cpu.total@web-1')!.ring.view()[1]]).toEqual([99]);
  });

  it('shows reconnecting while the browser retries, and live again on the next event', () => {
    last().emit('snapshot', snapshot(), 'e1-1');
    last().drop();
    expect(model.state).toBe('reconnecting');
    expect(sources).toHaveLength(1); // the browser's own retry, no new EventSource
    clock.advance(2000);
    expect(model.state).toBe('reconnecting');
    last().open();
    last().emit('snapshot', snapshot({ reset: true, epoch: 'e2' }), 'e2-1');
    expect(model.state).toBe('live');
  });

  it('recreates a CLOSED EventSource with growing, jittered backoff and the last event id', () => {
    last().emit('snapshot', snapshot(), 'e1-7');
    last().fail();
    expect(model.state).toBe('reconnecting');
    clock.advance(999);
    expect(sources).toHaveLength(1);
    clock.advance(1);
    expect(sources).toHaveLength(2);
    expect(last().url).toBe('api/stream?lastEventId=e1-7');
    last().fail();
    clock.advance(1999);
    expect(sources).toHaveLength(2);
    clock.advance(1);
    expect(sources).toHaveLength(3);
    last().fail();
    clock.advance(4000);
    expect(sources).toHaveLength(4);
    // an event resets the backoff
    last().emit('host', tick(1_001_000, 1), 'e1-8');
    last().fail();
    clock.advance(1000);
    expect(sources).toHaveLength(5);
    expect(last().url).toBe('api/stream?lastEventId=e1-8');
    expect(model.recreated).toBe(4);
  });

  it('says connecting, then offline, when the server was never reached', () => {
    last().drop();
    expect(model.state).toBe('connecting');
    clock.advance(20_000);
    expect(model.state).toBe('offline');
  });

  it('says offline once the connection has been lost for a while, and keeps trying', () => {
    last().emit('snapshot', snapshot(), 'e1-1');
    last().fail();
    for (let i = 0; i < 25; i++) {
      clock.advance(1000);
      if (last().readyState !== 2) last().fail();
    }
    expect(model.state).toBe('offline');
    const before = sources.length;
    clock.advance(60_000);
    if (last().readyState !== 2) last().fail();
    expect(sources.length).toBeGreaterThan(before);
    const n = sources.length;
    clock.advance(30_000); // the pending backoff creates one more, which succeeds
    expect(sources).toHaveLength(n + 1);
    last().open();
    last().emit('snapshot', snapshot({ reset: true }), 'e1-9');
    expect(model.state).toBe('live');
  });

  it('recreates a connection that is open but silent past three heartbeats', () => {
    last().open();
    last().emit('snapshot', snapshot(), 'e1-3');
    clock.advance(45_000);
    expect(sources).toHaveLength(1);
    clock.advance(1000); // first watchdog look past 45 s
    clock.advance(1000); // backoff of the first attempt
    expect(sources).toHaveLength(2);
    expect(sources[0].readyState).toBe(2);
    expect(last().url).toBe('api/stream?lastEventId=e1-3');
  });

  it('runs no timer a second while events flow, and looks every second again once the connection is lost', () => {
    last().open();
    last().emit('snapshot', snapshot(), 'e1-1');
    clock.advance(1000);
    const before = clock.fired;
    for (let i = 2; i <= 40; i++) {
      clock.advance(1000);
      last().emit('host', tick(1_000_000 + i * 1000, i), `e1-${i}`);
    }
    // 39 s of ticks: the watchdog looked at most once (when silence could first have passed 45 s), not 39 times.
    expect(clock.fired - before).toBeLessThanOrEqual(1);
    expect(model.state).toBe('live');
    last().drop();
    expect(model.state).toBe('reconnecting');
    const lost = clock.fired;
    clock.advance(20_000);
    expect(clock.fired - lost).toBeGreaterThanOrEqual(20);
    expect(model.state).toBe('offline');
    // Back: live at once, and quiet again.
    last().open();
    last().emit('host', tick(1_061_000, 61), 'e1-61');
    expect(model.state).toBe('live');
  });

  it('ignores events from an EventSource it has replaced', () => {
    const first = last();
    first.emit('snapshot', snapshot(), 'e1-1');
    first.fail();
    clock.advance(1000);
    first.emit('host', tick(1_001_000, 77), 'e1-2');
    expect(store.get('host.cpu.total@web-1')!.stat?.v).toBe(20);
    expect(model.lastEventId).toBe('e1-1');
  });

  it('stops every timer and the connection on stop()', () => {
    last().emit('snapshot', snapshot(), 'e1-1');
    last().fail();
    model.stop();
    clock.advance(120_000);
    expect(sources).toHaveLength(1);
    expect(sources[0].readyState).toBe(2);
  });
});
