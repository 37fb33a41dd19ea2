import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, Snapshot } from '../shared/schema.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

const TOKEN = 'ingest-secret-0123456789';
let srv: Running;
const clients: SseRecorder[] = [];

beforeAll(async () => {
  srv = await startVigil({ ingestToken: TOKEN, ingestRate: 0 });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.stop();
});

async function firstEvent(path: string) {
  const c = new SseRecorder(srv.url + path);
  clients.push(c);
  await c.waitFor((r) => r.events.length >= 1, 5000, 'first event');
  c.close();
  return c.events[0];
}

describe('?lastEventId given twice', () => {
  it('is answered with a reset snapshot, so the client learns it did not resume', async () => {
    const live = await firstEvent('/api/stream?channels=host');
    const id = encodeURIComponent(live.id);
    // Both the same valid id, and two different ones: neither is one id to resume from.
    for (const q of [`lastEventId=${id}&lastEventId=${id}`, `lastEventId=${id}&lastEventId=garbage`]) {
      const e = await firstEvent(`/api/stream?channels=host&${q}`);
      expect(e.type).toBe('snapshot');
      expect(Snapshot.parse(JSON.parse(e.data)).reset).toBe(true);
    }
  });

  it('once, with a valid id, still resumes without a snapshot', async () => {
    const live = await firstEvent('/api/stream?channels=host');
    const e = await firstEvent(`/api/stream?channels=host&lastEventId=${encodeURIComponent(live.id)}`);
    expect(e.type).toBe('host');
  });
});

describe('Content-Encoding of an ingest body', () => {
  const body = JSON.stringify({ metrics: [{ name: 'enc.test', value: 1 }] });
  const post = (payload: Buffer | string, encoding: string) =>
    fetch(srv.url + '/api/ingest', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Encoding': encoding },
      body: typeof payload === 'string' ? payload : new Uint8Array(payload),
    });

  it.each(['br', 'gzip', 'deflate'])('a body that is not %s: 400 saying it could not be decoded as that', async (encoding) => {
    const res = await post(body, encoding);
    expect(res.status).toBe(400);
    const { error } = ErrorBody.parse(await res.json());
    expect(error).toContain(`could not be decoded as ${encoding}`);
    expect(error).toContain('Content-Encoding');
  });

  it('a real br or gzip body is accepted', async () => {
    expect((await post(brotliCompressSync(body), 'br')).status).toBe(202);
    expect((await post(gzipSync(body), 'gzip')).status).toBe(202);
  });

  it('an encoding it cannot decode: 415 naming Content-Encoding', async () => {
    const res = await post(body, 'compress');
    expect(res.status).toBe(415);
    expect(ErrorBody.parse(await res.json()).error).toContain('Content-Encoding');
  });
});
