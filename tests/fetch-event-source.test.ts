import { fetchEventSource, type EventSourceMessage } from '@microsoft/fetch-event-source';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot, StatusEvent, StreamTick } from '../shared/schema.js';
import { startVigil, type Running } from './helpers/server.js';
import { until } from './helpers/until.js';

/*
 * @microsoft/fetch-event-source (the most used fetch-based SSE client) delivers
 * every block that ends in a blank line as a message, data or not. A `retry:` in a
 * block of its own, or a heartbeat comment followed by a blank line, reaches its
 * onmessage as `data: ''`, and JSON.parse fails on it.
 */

let srv: Running;

beforeAll(async () => {
  // Written for browsers: it calls window.setTimeout and document.removeEventListener
  // (visibility) even with openWhenHidden. Node has the first on globalThis; an
  // EventTarget stands in for a visible document.
  const g = globalThis as { window?: unknown; document?: unknown };
  g.window ??= globalThis;
  g.document ??= Object.assign(new EventTarget(), { hidden: false });
  srv = await startVigil({ heartbeat: 50, retry: 1500 });
});
afterAll(async () => {
  await srv.stop();
});

describe('a fetch-based SSE client reading the stream', () => {
  it('gets a snapshot, then ticks, and never an empty message, heartbeats included', async () => {
    const messages: EventSourceMessage[] = [];
    const ctl = new AbortController();
    let status = 0;
    const done = fetchEventSource(srv.url + '/api/stream', {
      signal: ctl.signal,
      openWhenHidden: true,
      fetch,
      onopen: async (res) => {
        status = res.status;
      },
      onmessage: (m) => {
        messages.push(m);
      },
      onerror: (err) => {
        throw err;
      },
    });
    try {
      // At 100 ms sampling and 50 ms heartbeats, a second has many of both.
      await until(() => messages.filter((m) => m.event === 'host').length >= 8, 'eight host ticks');
    } finally {
      ctl.abort();
      await done;
    }
    expect(status).toBe(200);
    expect(messages.filter((m) => m.data === '')).toEqual([]);
    expect(messages[0].event).toBe('snapshot');
    expect(messages[0].retry).toBeGreaterThanOrEqual(1125);
    expect(messages[0].retry).toBeLessThanOrEqual(1875);
    Snapshot.parse(JSON.parse(messages[0].data));
    for (const m of messages.slice(1)) (m.event === 'status' ? StatusEvent : StreamTick).parse(JSON.parse(m.data));
  });
});
