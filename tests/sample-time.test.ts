import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot, type Stat } from '../shared/schema.js';
import { startVigil, type Running } from './helpers/server.js';

const TOKEN = 'ingest-secret-0123456789';
const WINDOW = 2000;
let srv: Running;

beforeAll(async () => {
  srv = await startVigil({ ingestToken: TOKEN, ingestRate: 0, ingestCoalesce: 0, window: WINDOW, ingestMaxSkew: 300_000, source: 'clock' }, { sources: () => [] });
});
afterAll(() => srv.stop());

async function push(name: string, value: number, t?: number) {
  const res = await fetch(srv.url + '/api/ingest', {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ metrics: [{ name, value, ...(t === undefined ? {} : { t }) }] }),
  });
  expect(res.status).toBe(202);
}

async function stat(name: string): Promise<Stat> {
  const snap = Snapshot.parse(await (await fetch(srv.url + '/api/snapshot?channels=app&history=0')).json());
  return snap.groups.find((g) => g.source === 'clock')!.values[name]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sample time t from a producer clock that is off', () => {
  it('a sample dated 120 s ahead leaves the window like one sent now: it does not freeze it', async () => {
    await push('clock.ahead', 1000, Date.now() + 120_000);
    const end = Date.now() + WINDOW + 1000;
    let i = 0;
    while (Date.now() < end) {
      await push('clock.ahead', ++i % 10);
      await sleep(100);
    }
    const s = await stat('clock.ahead');
    expect(s.max).toBeLessThan(10);
    // Only the last window's pushes, about one per 100 ms, not every push since the one from the future.
    expect(s.n).toBeLessThan(i);
    expect(s.v).toBe(i % 10);
  });

  it('a sample dated back never becomes v: within the window it is counted, beyond it it is not', async () => {
    await push('clock.behind', 7);
    await push('clock.behind', 7);
    await push('clock.behind', -50, Date.now() - 500);
    let s = await stat('clock.behind');
    expect(s).toMatchObject({ v: 7, min: -50, n: 3 });
    await push('clock.behind', -999, Date.now() - 200_000);
    s = await stat('clock.behind');
    expect(s).toMatchObject({ v: 7, min: -50, n: 3 });
  });
});
