import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamTick } from '../shared/schema.js';
import { capturedLogger } from './helpers/log-capture.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);

describe('scrape targets that hang, fail or answer 5 MB of garbage', () => {
  let bad: Server;
  let base = '';
  let srv: Running;
  let client: SseRecorder;
  const log = capturedLogger();
  const garbage = randomBytes(5 << 20);
  const text = Buffer.from('<html>' + 'x'.repeat(5 << 20));
  const hung: import('node:http').ServerResponse[] = [];

  beforeAll(async () => {
    bad = createServer((req, res) => {
      if (req.url === '/hang') hung.push(res); // never answers
      else if (req.url === '/500') res.writeHead(500).end('boom');
      else if (req.url === '/garbage') res.writeHead(200, { 'content-type': 'text/plain' }).end(garbage);
      else if (req.url === '/text') res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
      else if (req.url === '/half') res.writeHead(200, { 'content-type': 'text/plain' }).write('up 1\n'); // headers, then nothing
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(bad.address() as { port: number }).port}`;
    srv = await startVigil(
      {
        interval: 1000,
        logLevel: 'info',
        // Targets get 3 s (a loaded CI machine can be slow to answer even a 500), so each fails for what it is, not for time.
        scrape: ['hang', '500', 'garbage', 'half', 'text'].map((p) => `${base}/${p};name=${p === '500' ? 'fail' : p};interval=3000`),
      },
      { logger: log.logger },
    );
    client = new SseRecorder(`${srv.url}/api/stream?channels=host,app`);
  }, 20_000 * SCALE);
  afterAll(async () => {
    client?.close();
    await srv?.stop();
    for (const r of hung) r.destroy();
    bad.closeAllConnections();
    await new Promise((r) => bad.close(r));
  });

  it('keeps host ticks at their 1 s cadence while every target fails, for 6 rounds', async () => {
    await client.waitFor((c) => c.of('host').length >= 7, 20_000 * SCALE, '7 host ticks');
    const ts = client.of('host').map((e) => StreamTick.parse(JSON.parse(e.data)).t);
    const gaps = ts.slice(1).map((t, i) => t - ts[i]);
    // The sampler's timer fires every 1000 ms; a gap is never a skipped or delayed round.
    for (const g of gaps) {
      expect(g).toBeGreaterThan(500);
      expect(g).toBeLessThan(1500);
    }
    expect(client.of('app')).toEqual([]);
  }, 30_000 * SCALE);

  it('logs each target down once, saying why, and not again every round', () => {
    const downs = log.lines.map((l) => JSON.parse(l) as { msg: string; target?: string; problem?: string }).filter((l) => l.msg.startsWith('scrape target down'));
    const by = Object.fromEntries(downs.map((d) => [d.target, d.problem]));
    expect(downs, JSON.stringify(log.lines.filter((l) => l.includes('scrape')))).toHaveLength(5);
    expect(by).toEqual({
      hang: 'no answer within 3000 ms',
      fail: 'HTTP 500',
      garbage: 'binary data, not the text format',
      text: expect.stringMatching(/^unreadable metrics: line 1: /),
      half: 'no complete answer within 3000 ms',
    });
  });

  it('still answers health and stream requests', async () => {
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    expect(srv.vigil.config.scrape).toHaveLength(5);
  });
});
