import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from './stats.js';

export type TargetName = 'vigil' | 'base' | 'keyed' | 'floor' | 'express' | 'esm' | 'redis';
export const TARGETS: TargetName[] = ['vigil', 'keyed', 'floor', 'express', 'esm', 'redis'];

/**
 * The stream as the default page asks for it (web/options.ts streamUrl): 60
 * points per group and compact ticks. `keyed` is the same server read the way
 * curl reads it (`api/stream`, every tick keyed, the whole history).
 */
export const PAGE_QUERY = '?history=60&compact=1';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How Vigil's node runs, as the `vigil` bin's shebang, `npm start` and the Dockerfile start it. */
export const VIGIL_NODE_FLAGS = ['--max-semi-space-size=1'];
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

export interface Target {
  name: TargetName;
  pid: number;
  /** What the load workers connect to. */
  url: string;
  /** Several instances serving the same stream: load worker i connects to urls[i % length]. */
  urls?: string[];
  /** Every process whose CPU and RSS count (default: pid). */
  pids?: number[];
  kind: 'sse' | 'sio';
  stop(): Promise<void>;
}

/**
 * Runs `node args...` with the open-files limit raised to the hard limit
 * (`ulimit -n` is per process; 10,000 sockets need more than the usual 1024).
 */
export function spawnNode(args: string[], opts: { ipc?: boolean; env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
  return spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', process.execPath, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: opts.ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
  });
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Polls `url` until it answers 2xx; fails if the child exits first. */
export async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`server not healthy at ${url} after ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the child has exited. */
export function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
}

/**
 * Starts the server under test in its own process on 127.0.0.1.
 * - vigil: the built CLI, `node --max-semi-space-size=1 dist/server/main.js --interval 1000 --max-clients 20000`
 *   (run `npm run build` first), read as the default page reads it (PAGE_QUERY);
 * - base: the same as vigil from another checkout's build (`baseRoot`: bench-fanout's --baseline DIR);
 * - keyed: the same, read as curl reads it (`api/stream`);
 * - floor: scripts/bench/floor-server.ts writing `frames` (bytes per frame, one write a second);
 * - express: the same floor as a route of an Express 5 app (the fixed stack's own cost);
 * - esm: express-status-monitor on Express with its socket.io 2 server;
 * - redis: Vigil on Redis, one agent and two servers (scripts/bench/redis-target.ts).
 * `speed` > 1 runs Vigil's sampler and esm's spans that many times faster (bench-connect uses it to fill history).
 * `nodeFlags` go to the server's node, whichever target (not redis's, which runs as Vigil ships).
 * By default every target's node runs with VIGIL_NODE_FLAGS: a small young generation is a
 * runtime setting, not Vigil's code, and with node's defaults a server's RSS after a
 * connect storm carries up to 16 MB of semi-space (16 KB per client at 1,000) or
 * not, as the storm went; RSS per client would compare that, not what a client holds.
 */
export async function startTarget(name: TargetName, frames: number[] = [800], speed = 1, nodeFlags: readonly string[] = VIGIL_NODE_FLAGS, baseRoot?: string): Promise<Target> {
  if (name === 'redis') return (await import('./redis-target.js')).startRedisTarget();
  const port = await freePort();
  let child: ChildProcess;
  let url: string;
  let kind: 'sse' | 'sio' = 'sse';
  if (name === 'vigil' || name === 'keyed' || name === 'base') {
    if (name === 'base' && !baseRoot) throw new Error('the base target needs the root of another checkout (--baseline DIR)');
    const cwd = name === 'base' ? baseRoot : ROOT;
    child = spawnNode([...nodeFlags, 'dist/server/main.js', '--port', String(port), '--host', '127.0.0.1', '--interval', String(1000 / speed), '--max-clients', '20000', '--log-level', 'warn'], { cwd });
    url = `http://127.0.0.1:${port}/api/stream${name === 'keyed' ? '' : PAGE_QUERY}`;
  } else if (name === 'floor' || name === 'express') {
    const flags = name === 'express' ? ['--express'] : [];
    child = spawnNode([...nodeFlags, '--import', 'tsx', here('./floor-server.ts'), '--port', String(port), '--frames', frames.join(','), ...flags]);
    url = `http://127.0.0.1:${port}/stream`;
  } else {
    child = spawnNode([...nodeFlags, '--import', 'tsx', here('./esm-server.ts'), '--port', String(port), '--speed', String(speed)]);
    url = `http://127.0.0.1:${port}`;
    kind = 'sio';
  }
  child.stdout!.resume();
  const stop = stopper(child);
  try {
    await waitHealthy(`http://127.0.0.1:${port}/healthz`, child);
  } catch (e) {
    await stop();
    throw e;
  }
  return { name, pid: child.pid!, url, kind, stop };
}
