import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseId } from '../server/hub/event-id.js';
import { counterSource } from './helpers/counter.js';
import { redisBin, startRedis, type RunningRedis } from './helpers/redis.js';
import { startVigil } from './helpers/server.js';
import { SseRecorder } from './helpers/sse.js';

describe('roles without Redis', () => {
  // One role at process level (tsx start-up is slow here); config.test.ts covers the rule for both.
  it.each(['agent'])('refuses to start an %s without REDIS_URL, with one line saying what to set', (role) => {
    const env = { ...process.env, REDIS_URL: '' };
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', '--role', role, '--port', '0'], { env, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`vigil: --role ${role} needs Redis: set REDIS_URL (or --redis-url), e.g. redis://127.0.0.1:6379`]);
  });
});

describe.skipIf(!redisBin.path)('standalone with REDIS_URL', () => {
  let redis: RunningRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('samples and serves its own ticks through the Redis stream, with Redis ids', async () => {
    const v = await startVigil({ redisUrl: redis.url, source: 'solo' }, { sources: () => [counterSource()] });
    const c = new SseRecorder(v.url + '/api/stream?channels=app');
    try {
      await c.waitFor((r) => r.of('app').length >= 3, 10_000, 'ticks');
      for (const e of c.of('app')) expect(parseId(e.id)?.entry).toMatch(/^\d+-\d+$/);
    } finally {
      c.close();
      await v.stop();
    }
  });
});
