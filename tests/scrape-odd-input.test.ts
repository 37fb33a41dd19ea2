import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot, TickEvent } from '../shared/schema.js';
import { startVigil, type Running } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

const SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);

/** A target that answers legal but hostile text: prototype names, huge and non-finite values, odd label values. */
const PAGE = `# TYPE __proto__ gauge
__proto__ 1
constructor{__proto__="x",path="/a b\\"c\\nd"} 2
huge 1e308
nan NaN
inf +Inf
# TYPE c counter
c_total{toString="y"} 5
ok 3
`;

describe('a scrape target that answers hostile but well-formed text', () => {
  let target: Server;
  let srv: Running;
  let client: SseRecorder;

  beforeAll(async () => {
    target = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(PAGE));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as { port: number }).port;
    srv = await startVigil({ scrape: [`http://127.0.0.1:${port}/metrics;name=odd;interval=200`] });
    client = new SseRecorder(`${srv.url}/api/stream?channels=app&sources=odd`);
  }, 20_000 * SCALE);
  afterAll(async () => {
    client?.close();
    await srv?.stop();
    await new Promise((r) => target.close(r));
  });

  it('streams only keys a client can parse: no __proto__ metric, nothing past ±1e300, NaN or Inf', async () => {
    await client.waitFor((c) => c.of('app').length >= 3, 10_000 * SCALE, '3 ticks');
    // Ticks carry what changed; folded as a client holds them, each stat is whole.
    for (const tick of client.ticks('app')) {
      expect(Object.keys(tick.values).sort()).toEqual(
        (Object.keys(tick.values).includes('c{tostring=y}') ? ['c{tostring=y}', 'constructor{__proto__=x,path=/a_b_c_d}', 'ok'] : ['constructor{__proto__=x,path=/a_b_c_d}', 'ok']).sort(),
      );
    }
    const last = client.ticks('app').at(-1)!;
    expect(last.values['c{tostring=y}']).toMatchObject({ v: 0, u: '/s' });
    const snap = Snapshot.parse(await (await fetch(`${srv.url}/api/snapshot?channels=app&sources=odd`)).json());
    expect(Object.keys(snap.groups[0].values)).toContain('constructor{__proto__=x,path=/a_b_c_d}');
  }, 20_000 * SCALE);
});
