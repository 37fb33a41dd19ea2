import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './binary.js';

export const redisBin = requireBinary('redis-server', 'apt-get install -y redis-server');

export interface RunningRedis {
  url: string;
  port: number;
  /** Kills the server (without `persist` it comes back empty). */
  kill(): Promise<void>;
  /** Stops the server cleanly (SIGTERM): with `persist`, its data is on disk and loaded on restart. */
  shutdown(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * A real redis-server on 127.0.0.1 and a free port, in a temp dir, without
 * persistence unless `persist` (then an append-only file, so a restart keeps
 * the data). Callers stop it in afterAll or finally; stop() also removes the dir.
 */
export async function startRedis({ persist = false }: { persist?: boolean } = {}): Promise<RunningRedis> {
  if (!redisBin.path) throw new Error(redisBin.skip ?? 'redis-server missing');
  const bin = redisBin.path;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  let child: ChildProcess | null = null;

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', persist ? 'yes' : 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'notice'];
      const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      const onData = (b: Buffer) => {
        out += b.toString();
        if (/ready to accept connections/i.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onData);
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${out}`));
      });
    });
  const end = async (signal: NodeJS.Signals) => {
    const c = child as ChildProcess | null;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill(signal);
    });
  };
  const kill = () => end('SIGKILL');
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    shutdown: () => end('SIGTERM'),
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
