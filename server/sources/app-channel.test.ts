import type { TickHubEvent } from '../hub/hub.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppChannel, type AppSample } from './app-channel.js';
import type { HubEvent } from '../hub/hub.js';
import { MemoryHub } from '../hub/memory-hub.js';
import { SeriesWindows } from '../windows/series-windows.js';

const s = (key: string, v: number, source = 'p', t = 1000): AppSample => ({ key, source, unit: 'u', t, v });

function setup(coalesce: number | null, maxSeries = 10) {
  let now = 1000;
  const hub = new MemoryHub({ epoch: 'e' });
  const events: HubEvent[] = [];
  hub.subscribe((e) => events.push(e));
  const windows = new SeriesWindows({ span: 60_000 }, 100);
  const app = new AppChannel({ hub, windows, maxSeries, coalesce, idleTtl: 60_000, now: () => now });
  return { app, events, windows, advance: (ms: number) => (now += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('AppChannel', () => {
  it('publishes one app tick per source per record call when not coalescing', () => {
    const { app, events } = setup(null);
    app.record([s('a', 1), s('b', 2), s('a', 3, 'q')]);
    expect(events.map((e) => [e.channel, (e as TickHubEvent).tick.source, Object.keys((e as TickHubEvent).tick.values)])).toEqual([
      ['app', 'p', ['a', 'b']],
      ['app', 'q', ['a']],
    ]);
  });

  it('merges a burst into one tick per source carrying the latest stat of each metric', () => {
    vi.useFakeTimers();
    const { app, events } = setup(100);
    for (let i = 1; i <= 50; i++) app.record([s('burst', i, 'p', 1000 + i)]);
    expect(events).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(events).toHaveLength(1);
    expect((events[0] as TickHubEvent).tick.values.burst).toMatchObject({ v: 50, min: 1, max: 50, n: 50 });
    app.record([s('burst', 51)]);
    app.stop();
    expect(events).toHaveLength(2);
  });

  it('counts only new series against the cap and forgets series idle past the ttl', () => {
    const { app, windows, advance } = setup(null, 2);
    app.record([s('a', 1), s('b', 1)]);
    expect(app.cardinalityProblem([s('a', 2), s('b', 2)])).toBeNull();
    expect(app.cardinalityProblem([s('c', 1), s('c', 2)])).toMatch(/1 new metric\(s\) would exceed the cap of 2/);
    advance(61_000);
    expect(app.cardinalityProblem([s('c', 1)])).toBeNull();
    expect(windows.has('a', 'p')).toBe(false);
    expect(app.size).toBe(0);
  });
});
