/**
 * Overhead of Vigil's request-metrics middleware (`vigil.middleware`) on a
 * trivial Express route: the same app with and without it, side by side in one
 * run, in alternating rounds, reported as medians and a ratio (target: the
 * middleware costs at most 5% of req/s).
 *
 * The two apps run in one child process on two ports (same process, same
 * warm-up, so the only difference is the middleware). The load comes from this
 * process over keep-alive sockets with pipelined requests, so the server, not
 * the load generator, is the bottleneck.
 *
 *   npx tsx scripts/bench-middleware.ts [--rounds 7] [--seconds 2] [--connections 16] [--pipeline 8]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import { parseConfig } from '../server/config.js';
import { createVigil } from '../server/vigil.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};

/** Child: the two apps; prints their ports and serves until killed. */
async function serve(): Promise<void> {
  // A real Vigil, started, sampling only its http source (the one the middleware feeds).
  const vigil = createVigil(parseConfig({ port: 0, logLevel: 'silent', interval: 1000 }), { sources: ({ http }) => [http], pageDir: null });
  await vigil.start({ listen: false });
  const app = (mw: RequestHandler | null) => {
    const a = express();
    a.disable('x-powered-by');
    a.disable('etag');
    if (mw) a.use(mw);
    a.get('/hello', (_req, res) => {
      res.send('ok');
    });
    return a;
  };
  const listen = (a: express.Express) =>
    new Promise<number>((resolve) => {
      const s = createServer(a);
      s.keepAliveTimeout = 60_000;
      s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    });
  const ports = { without: await listen(app(null)), with: await listen(app(vigil.middleware)) };
  // CPU of this process on demand: robust to neighbours where req/s is not.
  process.on('message', () => {
    const u = process.cpuUsage();
    process.send!({ cpu: u.user + u.system });
  });
  process.send!(ports);
}

const REQUEST = Buffer.from('GET /hello HTTP/1.1\r\nHost: bench\r\n\r\n');
const MARK = Buffer.from('HTTP/1.1 ');
const OK = Buffer.from('HTTP/1.1 200');

/** Keeps `pipeline` requests in flight on each of `conns` sockets for `ms`; returns responses/s. */
function load(port: number, conns: number, pipeline: number, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = 0;
    let bad = 0;
    let open = conns;
    const sockets: net.Socket[] = [];
    const end = Date.now() + ms;
    for (let c = 0; c < conns; c++) {
      const s = net.connect(port, '127.0.0.1');
      s.setNoDelay(true);
      sockets.push(s);
      let carry = Buffer.alloc(0);
      s.on('connect', () => s.write(Buffer.concat(Array(pipeline).fill(REQUEST))));
      s.on('data', (chunk: Buffer) => {
        const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
        let n = 0;
        let i = buf.indexOf(MARK);
        let last = 0;
        while (i >= 0) {
          n++;
          if (buf.compare(OK, 0, OK.length, i, i + OK.length) !== 0 && i + OK.length <= buf.length) bad++;
          last = i + MARK.length;
          i = buf.indexOf(MARK, last);
        }
        // A status line may be split across chunks: keep the tail that could start one.
        carry = Buffer.from(buf.subarray(Math.max(last, buf.length - MARK.length + 1)));
        done += n;
        if (Date.now() < end) {
          if (n) s.write(n === 1 ? REQUEST : Buffer.concat(Array(n).fill(REQUEST)));
        } else s.end();
      });
      s.on('error', reject);
      s.on('close', () => {
        if (--open === 0) {
          if (bad) reject(new Error(`${bad} responses were not 200`));
          else resolve(done / (ms / 1000));
        }
      });
    }
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main(): Promise<void> {
  const rounds = arg('rounds', 7);
  const seconds = arg('seconds', 2);
  const conns = arg('connections', 16);
  const pipeline = arg('pipeline', 8);
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ports = await new Promise<{ without: number; with: number }>((resolve) => child.once('message', (m) => resolve(m as { without: number; with: number })));
    // Warm both up (JIT, sockets) before measuring.
    await load(ports.without, conns, pipeline, 1000);
    await load(ports.with, conns, pipeline, 1000);
    const r: { without: number[]; with: number[] } = { without: [], with: [] };
    const us: { without: number[]; with: number[] } = { without: [], with: [] };
    const cpu = () =>
      new Promise<number>((resolve) => {
        child.once('message', (m) => resolve((m as { cpu: number }).cpu));
        child.send('cpu');
      });
    console.log(`bench-middleware: ${rounds} alternating rounds of ${seconds} s each, ${conns} keep-alive connections x ${pipeline} pipelined requests, GET /hello`);
    console.log('');
    console.log('| round | without: req/s | with: req/s | without: server CPU µs/req | with: server CPU µs/req |');
    console.log('| ---: | ---: | ---: | ---: | ---: |');
    for (let i = 0; i < rounds; i++) {
      // Alternate which goes first so drift (thermal, neighbours) hits both sides.
      const order: Array<'without' | 'with'> = i % 2 ? ['with', 'without'] : ['without', 'with'];
      for (const k of order) {
        const c0 = await cpu();
        const rate = await load(ports[k], conns, pipeline, seconds * 1000);
        r[k].push(rate);
        const c1 = await cpu();
        us[k].push((c1 - c0) / (rate * seconds));
      }
      console.log(`| ${i + 1} | ${r.without[i].toFixed(0)} | ${r.with[i].toFixed(0)} | ${us.without[i].toFixed(1)} | ${us.with[i].toFixed(1)} |`);
    }
    const a = median(r.without);
    const b = median(r.with);
    const ca = median(us.without);
    const cb = median(us.with);
    console.log(`| **median** | **${a.toFixed(0)}** | **${b.toFixed(0)}** | **${ca.toFixed(1)}** | **${cb.toFixed(1)}** |`);
    console.log('');
    console.log(`req/s ratio with/without: ${(b / a).toFixed(3)} (middleware costs ${((1 - b / a) * 100).toFixed(1)}% of req/s; target <= 5%)`);
    console.log(`server CPU per request with/without: ${(cb / ca).toFixed(3)} (+${(cb - ca).toFixed(1)} µs/req); capacity ratio ${(ca / cb).toFixed(3)}`);
    console.log(`load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores (req/s is only meaningful on an idle machine)`);
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--serve')) void serve();
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
