/**
 * Soak: Vigil under steady load for a long time, checking it neither loses nor
 * repeats events and does not grow. Not part of CI.
 *
 *   npx tsx scripts/soak.ts [--minutes 60] [--clients 1000] [--ingest 100] [--churn 10]
 *     [--coalesce 1000] [--redis]
 *
 * - One Vigil (server/main.ts through tsx, `--interval 1000`: host, process and
 *   http at 1 Hz; the ingest's app ticks coalesced over `--coalesce` ms, so at
 *   the default every channel ticks at 1 Hz),
 *   standalone, or with `--redis` on a redis-server of its own started here.
 * - `--clients` stream clients on every channel (raw HTTP, Last-Event-ID on
 *   every reconnect), `--churn` of them a second dropped and reconnected.
 * - `--ingest` POST api/ingest a second (source `soak`, two metrics).
 * - With `--redis`, Redis is killed (no persistence: it comes back empty) at
 *   half time and restarted 3 s later: clients must get a reset snapshot, never
 *   a silent gap.
 * Every minute: Vigil's RSS and open fds (from /proc), heap and event-loop p99
 * (its own `process` channel: the max of the minute's 1 s p99s), clients,
 * events received, reconnects, lost and duplicated so far. At the end: events
 * lost (0), duplicated (0), resets, and RSS growth from minute 5 to the last.
 * Lost and duplicated: every event a client receives must be the next one in
 * the hub's order after the one before it (or after the snapshot it resumed
 * from); in memory that order is the id's seq, on Redis a tap reading the
 * stream directly numbers every entry (scripts/soak/tap.ts).
 */
import { readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { ContinuityChecker, memoryPosition } from './soak/checker.js';
import { ClientPool } from './soak/clients.js';
import { runIngest, TOKEN } from './soak/ingest.js';
import { watchProcess } from './soak/process-watch.js';
import { StreamTap } from './soak/tap.js';
import { machine, procUsage } from './bench/proc.js';
import { fmt, sleep, table } from './bench/stats.js';
import { freePort, spawnNode, stopper, waitHealthy } from './bench/targets.js';

const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    clients: { type: 'string', default: '1000' },
    ingest: { type: 'string', default: '100' },
    churn: { type: 'string', default: '10' },
    coalesce: { type: 'string', default: '1000' },
    redis: { type: 'boolean', default: false },
  },
});
const minutes = Number(a.minutes);
const nClients = Number(a.clients);
const ingestRate = Number(a.ingest);
const churnRate = Number(a.churn);
const coalesce = Number(a.coalesce);

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (/ready to accept connections/i.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return child;
}

async function main(): Promise<void> {
  const started = new Date();
  console.log(`soak: ${nClients} clients, ${minutes} min, ingest ${ingestRate}/s, churn ${churnRate}/s, ${a.redis ? 'Redis' : 'in memory'}`);
  console.log(`machine: ${machine()} (shared with other work)`);
  let redis: ChildProcess | null = null;
  let redisPort = 0;
  let tap: StreamTap | null = null;
  if (a.redis) {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    tap = new StreamTap(`redis://127.0.0.1:${redisPort}`);
  }
  const port = await freePort();
  const env = a.redis ? { REDIS_URL: `redis://127.0.0.1:${redisPort}` } : {};
  const vigil = spawnNode(
    ['--import', 'tsx', 'server/main.ts', '--port', String(port), '--host', '127.0.0.1', '--interval', '1000', '--max-clients', String(nClients * 2), '--ingest-token', TOKEN, '--ingest-rate', '0', '--ingest-coalesce', String(coalesce), '--log-level', 'warn'],
    { env },
  );
  vigil.stdout!.on('data', (d: Buffer) => process.stderr.write(`[vigil] ${d}`));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/readyz`, vigil);

  const checker = new ContinuityChecker(tap ? tap.position : memoryPosition);
  const pool = new ClientPool(`${url}/api/stream`, checker);
  const proc = watchProcess(url);
  await pool.open(nClients);
  pool.churn(churnRate);
  const ingest = runIngest(url, ingestRate);
  const retry = setInterval(() => checker.retry(), 1000);

  const head = ['min', 'clients', 'RSS MB', 'heap MB', 'fds', 'loop p99 ms', 'events/s', 'reconnects', 'resets', 'lost', 'dup'];
  const rows: string[][] = [];
  const rss: number[] = [];
  let lastEvents = 0;
  let lastConnects = pool.stats.connects;
  const end = Date.now() + minutes * 60_000;
  let redisRestarted = !a.redis;
  for (let m = 1; Date.now() < end; m++) {
    const minuteEnd = Math.min(end, Date.now() + 60_000);
    while (Date.now() < minuteEnd) {
      await sleep(Math.min(1000, minuteEnd - Date.now()));
      if (!redisRestarted && Date.now() >= end - (minutes * 60_000) / 2) {
        redisRestarted = true;
        console.log(`minute ${m}: killing Redis (it comes back empty in 3 s)`);
        await stopper(redis!)();
        await sleep(3000);
        redis = await startRedis(redisPort);
      }
    }
    const u = procUsage(vigil.pid!);
    rss.push(u.rssBytes);
    const s = pool.stats;
    const row = [
      String(m),
      fmt(proc.clients, 0),
      fmt(u.rssBytes / 2 ** 20),
      fmt(proc.heap / 2 ** 20),
      String(readdirSync(`/proc/${vigil.pid}/fd`).length),
      fmt(proc.takeMinute()),
      fmt((s.events - lastEvents) / 60, 0),
      String(s.connects - lastConnects),
      String(s.resets),
      String(checker.lost),
      String(checker.duplicated),
    ];
    lastEvents = s.events;
    lastConnects = s.connects;
    rows.push(row);
    console.log(row.join('\t'));
  }

  clearInterval(retry);
  ingest.stop();
  pool.close();
  proc.close();
  await sleep(2000);
  checker.retry();
  const s = pool.stats;
  const from = rss.length > 5 ? 4 : 0;
  const growth = (100 * (rss[rss.length - 1] - rss[from])) / rss[from];
  console.log(`\nsoak ${started.toISOString()} → ${new Date().toISOString()}, ${machine()}, shared machine`);
  console.log(`npx tsx scripts/soak.ts --minutes ${minutes} --clients ${nClients} --ingest ${ingestRate} --churn ${churnRate} --coalesce ${coalesce}${a.redis ? ' --redis' : ''}\n`);
  console.log(table(head, rows));
  console.log('');
  console.log(
    table(
      ['result', 'value'],
      [
        ['events received', String(s.events)],
        ['pairs checked', String(checker.checked)],
        ['events lost (silent gaps)', `${checker.lost} in ${checker.gaps} gaps, ${checker.epochJumps} epoch jumps, ${s.freshOnResume} fresh snapshots on resume`],
        ['events duplicated', String(checker.duplicated)],
        ['unverified (ids the tap never saw)', String(checker.unresolved)],
        ['reset snapshots', String(s.resets)],
        ['connects / churned / dropped / refused', `${s.connects} / ${s.churned} / ${s.dropped} / ${s.refused}`],
        ['ingest answers', [...ingest.statuses].map(([k, v]) => `${k}: ${v}`).join(', ')],
        [`RSS growth, minute ${from + 1} → ${rss.length}`, `${fmt(growth)} % (${fmt(rss[from] / 2 ** 20)} → ${fmt(rss[rss.length - 1] / 2 ** 20)} MB)`],
      ],
    ),
  );
  await stopper(vigil)();
  await tap?.stop();
  if (redis) await stopper(redis)();
  process.exitCode = checker.lost === 0 && checker.duplicated === 0 && s.freshOnResume === 0 ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
