import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, PAGE_QUERY, spawnNode, stopper, VIGIL_NODE_FLAGS, waitHealthy, type Target } from './targets.js';

const REDIS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

/**
 * Vigil scaled out: a redis-server (no persistence), one agent sampling this
 * host at 1 Hz (`--role agent`) and two servers (`--role server`) that read the
 * stream; clients are spread over the two servers. Every process is counted for
 * CPU and RSS (servers, agent and Redis), and latency is still receive time
 * minus the tick's `t`, so it includes the hop through Redis.
 */
export async function startRedisTarget(): Promise<Target> {
  const bin = REDIS.find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!bin) throw new Error('redis-server is not installed; install it with: apt-get install -y redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const c of [...children].reverse()) await stopper(c)();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const redisPort = await freePort();
    const redis = spawn(bin, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'], { stdio: 'ignore' });
    children.push(redis);
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const env = { REDIS_URL: redisUrl };
    const common = ['--host', '127.0.0.1', '--interval', '1000', '--max-clients', '20000', '--log-level', 'warn'];
    const start = async (role: string, source: string) => {
      const port = await freePort();
      const child = spawnNode([...VIGIL_NODE_FLAGS, 'dist/server/main.js', '--role', role, '--source', source, '--port', String(port), ...common], { env });
      child.stdout!.resume();
      children.push(child);
      await waitHealthy(`http://127.0.0.1:${port}/readyz`, child);
      return { child, url: `http://127.0.0.1:${port}/api/stream${PAGE_QUERY}` };
    };
    const agent = await start('agent', 'bench-agent');
    const a = await start('server', 'bench-a');
    const b = await start('server', 'bench-b');
    return {
      name: 'redis',
      pid: a.child.pid!,
      pids: [a.child.pid!, b.child.pid!, agent.child.pid!, redis.pid!],
      url: a.url,
      urls: [a.url, b.url],
      kind: 'sse',
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
