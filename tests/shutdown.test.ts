import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Snapshot } from '../shared/schema.js';
import { parseId } from '../server/hub/event-id.js';
import { spawnVigil, type VigilProcess } from './helpers/process.js';
import { openRaw } from './helpers/raw-stream.js';
import { openStalled } from './helpers/stalled-client.js';
import { startVigil } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';
import { bigTick } from './helpers/ticks.js';
import { until } from './helpers/until.js';

describe('SIGTERM on the real process', () => {
  it('ends every stream cleanly and exits 0, and its clients resume on the restarted process', async () => {
    let first: VigilProcess | null = null;
    let second: VigilProcess | null = null;
    let c: SseRecorder | null = null;
    try {
      first = await spawnVigil(['--retry', '100']);
      c = new SseRecorder(first.url + '/api/stream');
      const idle = await openRaw(first.url + '/api/stream?channels=app');
      const busy = await openRaw(first.url + '/api/stream?channels=host');
      await c.waitFor((r) => r.events.length >= 5, 10_000, 'events before SIGTERM');
      await busy.waitFor((t) => t.includes('event: host'), 10_000, 'a host event');
      const oldEpoch = parseId(c.events[0].id)!.epoch;

      first.proc.kill('SIGTERM');
      // Exit code 0 means it stopped by itself, before the 5 s guard that exits with 1.
      expect(await first.exited).toEqual({ code: 0, signal: null });
      // A clean end of the chunked body, not a reset.
      expect(await idle.ended).toBe('end');
      expect(await busy.ended).toBe('end');

      second = await spawnVigil(['--retry', '100', '--port', String(first.port)]);
      await c.waitFor((r) => r.of('snapshot').length === 2 && r.events.at(-1)!.type !== 'snapshot', 15_000, 'a reset snapshot and events from the new process');
      const i = c.events.indexOf(c.of('snapshot')[1]);
      const snap = Snapshot.parse(JSON.parse(c.events[i].data));
      expect(snap.reset).toBe(true);
      expect(snap.epoch).not.toBe(oldEpoch);
      // It kept trying through the gap instead of giving up on a non-200 answer.
      expect(c.es.readyState).toBe(c.es.OPEN);
    } finally {
      c?.close();
      await first?.kill();
      await second?.kill();
    }
  }, 60_000); // two process start-ups through tsx on a busy 2-core machine
});

describe('stop() with clients that read nothing', () => {
  it('does not wait on them: the reading clients get a clean end and stop() returns', async () => {
    // A cap far above what is pushed, so the stalled client is still connected at stop().
    const srv = await startVigil({ clientBuffer: 256 << 20 }, { sources: () => [] });
    const stalled = await openStalled(srv.url + '/api/stream?channels=app');
    const reader = await openRaw(srv.url + '/api/stream?channels=app');
    // A connection that never sends a request, as a browser's preconnect does.
    const preconnect = net.connect(Number(new URL(srv.url).port), '127.0.0.1').on('error', () => {});
    try {
      await new Promise((r) => preconnect.once('connect', r));
      await until(() => srv.vigil.stream.clients === 2, 'both clients');
      // 16 MB: more than the kernel buffers take, so the stalled response cannot finish.
      for (let i = 0; i < 256; i++) {
        srv.vigil.hub.publish('app', bigTick(i, 64));
        await new Promise((r) => setImmediate(r));
      }
      await srv.stop();
      expect(await reader.ended).toBe('end');
      expect(srv.vigil.stream.clients).toBe(0);
      expect(srv.vigil.stream.slowDisconnects).toBe(0);
    } finally {
      stalled.socket.destroy();
      preconnect.destroy();
      reader.close();
      await srv.stop();
    }
  });
});
