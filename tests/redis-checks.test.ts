import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StatusEvent, StatusResponse } from '../shared/schema.js';
import { redisBin, startRedis, type RunningRedis } from './helpers/redis.js';
import { type Running, startVigil } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';
import { until } from './helpers/until.js';

/*
 * On Redis every server judges the dashboards' levels, but one of them (the
 * holder of a lease in Redis) announces the changes: a state change is one
 * `event: status` in the shared stream, not one per server, every server's
 * api/status says the same, and when the announcing server stops another takes
 * over and announces every check in full.
 */

const TOKEN = 'redis-checks-ingest-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-checks-'));
const dashboards = join(dir, 'wall.json');
writeFileSync(
  dashboards,
  JSON.stringify({ dashboards: { default: { title: 'Wall', sections: [{ title: 'Inference', tiles: [{ metric: 'inference.latency.p95', title: 'p95', warn: 500, critical: 1000 }] }] } } }),
);

async function push(url: string, value: number): Promise<void> {
  const res = await fetch(`${url}/api/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'llm-1', metrics: [{ name: 'inference.latency.p95', value, unit: 'ms' }] }),
  });
  expect(res.status).toBe(202);
}

const status = async (url: string) => StatusResponse.parse(await (await fetch(`${url}/api/status`)).json()).status;
const statuses = (r: SseRecorder) => r.of('status').map((e) => StatusEvent.parse(JSON.parse(e.data)));
const crossings = (r: SseRecorder, to: string) => statuses(r).filter((s) => !s.full && s.checks.some((c) => c.source === 'llm-1' && c.status === to)).length;

describe.skipIf(!redisBin.path)('checks on several servers sharing Redis', () => {
  let redis: RunningRedis;
  const servers: Running[] = [];
  const clients: SseRecorder[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('announces a change once, however many servers judge it, and another server takes over when the announcer stops', async () => {
    const opts = { redisUrl: redis.url, role: 'server' as const, ingestToken: TOKEN, ingestCoalesce: 0, dashboards };
    servers.push(await startVigil(opts), await startVigil(opts));
    const [a, b] = servers;
    await until(() => a.vigil.hub.leads?.() !== b.vigil.hub.leads?.(), 'one server holds the lease', 5000);
    const leader = a.vigil.hub.leads?.() ? a : b;
    const other = leader === a ? b : a;

    const watch = new SseRecorder(`${other.url}/api/stream?channels=app,status`);
    clients.push(watch);
    await watch.waitFor((r) => r.of('snapshot').length > 0, 5000, 'snapshot');
    await push(other.url, 300);
    await push(other.url, 1500);
    await watch.waitFor((r) => crossings(r, 'critical') >= 1, 5000, 'critical status event');
    await new Promise((r) => setTimeout(r, 700));
    // Two servers judged it; one announced it.
    expect(crossings(watch, 'critical')).toBe(1);
    expect(await status(a.url)).toBe('critical');
    expect(await status(b.url)).toBe('critical');

    // The announcer goes away: the other takes the lease and announces everything in full.
    const fulls = statuses(watch).filter((s) => s.full).length;
    servers.splice(servers.indexOf(leader), 1);
    await leader.stop();
    await until(() => other.vigil.hub.leads?.() === true, 'the other server takes the lease', 5000);
    await watch.waitFor((r) => statuses(r).filter((s) => s.full).length > fulls, 5000, 'a full status from the new announcer');
    const oks = crossings(watch, 'ok');
    await push(other.url, 200);
    await watch.waitFor((r) => crossings(r, 'ok') > oks, 5000, 'ok status from the new announcer');
    expect(await status(other.url)).toBe('ok');
  });
});
