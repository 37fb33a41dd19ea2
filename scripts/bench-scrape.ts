/**
 * CPU per 1,000 scraped series per round (target ≤ 2 ms), beside the raw parse
 * cost, with parse-prometheus-text-format's parse of the same text for scale,
 * and every row also for the tree at --baseline (default 755e509, main before
 * the scrape cost work), extracted from git beside this one and timed in the
 * same run, alternating, so a busy moment of the shared machine hits both alike.
 *
 * A "series" is one sample line of the exposition, as Prometheus counts them.
 * What "a round" counts, the same for both trees (each row says which steps):
 * fetch (HTTP rows: GET over a kept-alive connection, body read and decoded)
 * + parse + points (names, labels, keys) + rates/quantiles (Folder) + windows
 * (SeriesWindows.record, one stat per reading) + publish into the hub (which
 * encodes the tick: JSON.stringify in a bare hub; the stream's encoder in
 * the server row, whose projection, tiers and checks also take the tick).
 * The in-process rows stamp round r at r seconds (windows settle at 60
 * samples, as at 1 Hz). The HTTP rows run rounds back to back, and by default
 * (--clock stepped) step the target's clock 1 s a round, so their windows hold
 * 60 samples and the tiers' 10 s buckets turn every 10 rounds, as a target at
 * 1 Hz; --clock wall leaves the target on the wall clock (then its windows hold
 * every round and all rounds fall in one or two tier buckets). The round rows
 * warm --warm rounds first too, so windows are full, as on a server that has run.
 * The page (scripts/bench/scrape-page.ts) is synthetic and vLLM/node_exporter-
 * shaped; its values move every round.
 *
 * Rows, each the median over --runs runs of --rounds rounds:
 * - parse: exposition.ts alone, with its series cache (as a target runs it);
 * - parse through the page plan: the page's bytes read against the last page's
 *   layout (page-plan.ts), as a target now reads them, after --warm rounds
 *   ('-' in a tree without);
 * - parse (parse-prometheus-text-format): the npm parser alone;
 * - round in-process: parse + points + rates/quantiles + windows + publish into
 *   a bare hub (JSON.stringify as its encoder);
 * - of which windows + publish: the same readings recorded and published alone;
 * - fetch alone over HTTP: the tree's GET of the page as its target makes it
 *   (fetchPage on the target's own connection, bytes, where the tree has
 *   them; else fetchText through node:http, decoded), kept alive;
 * - fetch + parse + points + rates/quantiles: a real ScrapeTarget whose publish()
 *   is replaced by nothing, so everything upstream of the windows. This row and
 *   the fetch row time a target's steady state: --warm rounds (100) first;
 * - round over HTTP: a real ScrapeTarget scraping a child process that serves
 *   the page (the child's CPU is not counted), into a bare hub;
 * - round over HTTP, as the server runs it: the target of the tree's own
 *   createPipeline, whose hub encodes each tick as the stream sends it and whose
 *   projection (with its tiers), stream and checks take every tick (no client).
 *   Run it under the server's flag too, and with --expose-gc so that what one
 *   row left behind is collected before the next row's rounds are timed:
 *   node --max-semi-space-size=1 --expose-gc --import tsx scripts/bench-scrape.ts
 *   Each tree runs here as tsc compiles it (as npm start runs dist/), each in a
 *   child process of its own (--server-from source: through tsx instead).
 *
 *   npx tsx scripts/bench-scrape.ts [--series 1000] [--rounds 200] [--runs 5] [--baseline 755e509] [--warm 100] [--server-warm 600] [--server-from built|source] [--page-open] [--clock stepped|wall] [--rows server,upstream]
 *
 * --rows runs only the rows named (their first word in ROWS below), for more
 * runs of the row that matters in the same time.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { Agent, createServer } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { extractBaseline } from './bench/idle-process.js';
import { page } from './bench/scrape-page.js';
import { median } from './bench/stats.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const SERIES = Number(arg('series', '1000'));
const ROUNDS = Number(arg('rounds', '200'));
const RUNS = Number(arg('runs', '5'));
const BASELINE = arg('baseline', '755e509');
/** Rounds the fetch and upstream rows run before timing (see scrapeRounds). */
const WARM = Number(arg('warm', '100'));
/**
 * Rounds the server row runs before timing: a server is past its first ten
 * minutes for all but ten minutes of its life. By then its replay holds all
 * REPLAY_BYTES allows (~480 rounds of this page) and the JIT has settled; at
 * 100 rounds a round still cost about a third more.
 */
const SERVER_WARM = Number(arg('server-warm', '600'));
/** The server row with a page open: the tick's compact form written too (see asServer). */
const PAGE_OPEN = process.argv.includes('--page-open');
/** The HTTP rows' target clock: stepped 1 s a round (as at 1 Hz), or the wall clock. */
const CLOCK = arg('clock', 'stepped');
/**
 * What the server row runs: `built` (the default), each tree compiled by tsc with
 * the build's own config into a directory of its own, as `npm start` runs
 * dist/server/main.js; or `source`, its TypeScript through tsx as the other
 * rows. Through tsx a round cost 15-25 % more than the same tree's tsc output
 * (three alternating passes of each: 2.8-3.1 against 2.3-2.7 ms).
 */
const SERVER_FROM = arg('server-from', 'built');
if (SERVER_FROM !== 'built' && SERVER_FROM !== 'source') throw new Error('--server-from is built or source');
if (CLOCK !== 'stepped' && CLOCK !== 'wall') throw new Error('--clock is stepped or wall');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/* eslint-disable @typescript-eslint/no-explicit-any -- two trees' modules, loaded by path */
/** The modules a tree (this one or the baseline's) is benched through. */
interface Tree {
  parseExposition: (text: string, cache?: any) => any;
  SeriesCache: new () => any;
  /** The target's own HTTP connection (page-connection.ts), in trees that have one. */
  PageConnection?: new (url: string, accept: string) => { destroy(): void };
  ACCEPT: string;
  /** The page plan (page-plan.ts), in trees that have one. */
  PagePlan?: new () => { read(page: Buffer, cache: any): any };
  expositionPoints: (families: any, keep?: any, names?: any) => { points: any[] };
  Folder: new (window: number) => { fold(points: any[], t: number): { readings: Array<{ key: string; unit: string; v: number }>; commit(): void } };
  ScrapeTarget: new (o: any) => { scrape(): Promise<void>; state: string; problem: string | null; stop(): Promise<void> };
  /** The tree's GET of a page: fetchPage (bytes) where it has one, else fetchText. */
  fetchPage?: (url: string, o: any) => Promise<unknown>;
  fetchText: (url: string, o: any) => Promise<unknown>;
  parseTargetSpec: (s: string) => { ok: true; spec: any } | { ok: false; error: string };
  SeriesWindows: new (o: any, max: number) => { record(key: string, source: string, unit: string, t: number, v: number): any };
  MemoryHub: new (o: any) => { publish(channel: string, tick: any): void; encodeWith(e: any): void };
  parseConfig: (overrides: any, env: any, argv: string[]) => any;
  createPipeline: (config: any, deps: any) => any;
}

/** A tree's modules, from its TypeScript sources (through tsx) or, with ext '.js', from its tsc output. */
async function loadTree(dir: string, ext = '.ts'): Promise<Tree> {
  const m = async (p: string) => import(join(dir, p.replace(/\.ts$/, ext)));
  const [fetch, connection, plan, exposition, points, folder, target, spec, windows, hub, config, pipeline] = await Promise.all([
    m('server/sources/scrape/fetch-text.ts'),
    m('server/sources/scrape/page-connection.ts').catch(() => ({})),
    m('server/sources/scrape/page-plan.ts').catch(() => ({})),
    m('server/sources/scrape/exposition.ts'),
    m('server/sources/scrape/exposition-points.ts'),
    m('server/sources/scrape/folder.ts'),
    m('server/sources/scrape/scrape-target.ts'),
    m('server/sources/scrape/target-spec.ts'),
    m('server/windows/series-windows.ts'),
    m('server/hub/memory-hub.ts'),
    m('server/config.ts'),
    m('server/pipeline.ts'),
  ]);
  return { ...fetch, ...connection, ...plan, ...exposition, ...points, ...folder, ...target, ...spec, ...windows, ...hub, ...config, ...pipeline };
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU ms per round of `fn` over the pages. */
function perRound(pages: string[], fn: (text: string, r: number) => void): number {
  const c0 = cpu();
  for (let r = 0; r < pages.length; r++) fn(pages[r], r);
  return (cpu() - c0) / pages.length;
}

function parseOnly(x: Tree, pages: string[]): number {
  const cache = new x.SeriesCache();
  return perRound(pages, (text) => x.parseExposition(text, cache));
}

/** The page read as a target now reads it: its bytes against the page plan; NaN for a tree without one. */
function planOnly(x: Tree, pages: string[], bytes: Buffer[]): number {
  if (!x.PagePlan) return NaN;
  const plan = new x.PagePlan();
  const cache = new x.SeriesCache();
  // A target's steady state, as the fetch and upstream rows: WARM rounds first.
  for (let r = 0; r < WARM; r++) plan.read(bytes[r % bytes.length], cache);
  return perRound(pages, (_text, r) => plan.read(bytes[r], cache));
}

function inProcess(x: Tree, pages: string[]): number {
  const hub = new x.MemoryHub({ capacity: 64 });
  const windows = new x.SeriesWindows({ span: 60_000 }, 100_000);
  const folder = new x.Folder(60_000);
  const cache = new x.SeriesCache();
  const names = new Map();
  return perRound(pages, (text, r) => {
    const t = 1_000_000 + r * 1000;
    const { points } = x.expositionPoints(x.parseExposition(text, cache), undefined, names);
    const fold = folder.fold(points, t);
    fold.commit();
    const values: Record<string, unknown> = Object.create(null);
    for (const y of fold.readings) values[y.key] = windows.record(y.key, 'bench', y.unit, t, y.v);
    hub.publish('app', { t, source: 'bench', values });
  });
}

/** Only the windows and the publish of the readings a round gives (what any source's readings cost). */
function windowsOnly(x: Tree, pages: string[]): number {
  const folder = new x.Folder(60_000);
  const cache = new x.SeriesCache();
  const rounds = pages.map((text, r) => {
    const fold = folder.fold(x.expositionPoints(x.parseExposition(text, cache)).points, 1_000_000 + r * 1000);
    fold.commit();
    return fold.readings;
  });
  const hub = new x.MemoryHub({ capacity: 64 });
  const windows = new x.SeriesWindows({ span: 60_000 }, 100_000);
  return perRound(pages, (_text, r) => {
    const t = 1_000_000 + r * 1000;
    const values: Record<string, unknown> = Object.create(null);
    for (const y of rounds[r]) values[y.key] = windows.record(y.key, 'bench', y.unit, t, y.v);
    hub.publish('app', { t, source: 'bench', values });
  });
}

/** The tree's own GET of the page over a kept-alive connection, as a target makes it, and nothing else. */
async function fetchOnly(x: Tree, port: number): Promise<number> {
  const url = `http://127.0.0.1:${port}/metrics`;
  const agent = new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  const connection = x.PageConnection ? new x.PageConnection(url, x.ACCEPT) : undefined;
  const get = x.fetchPage ?? x.fetchText;
  const once = () => get(url, { timeout: 5000, maxBytes: 16 << 20, agent, connection });
  try {
    for (let i = 0; i < WARM; i++) await once();
    const c0 = cpu();
    for (let r = 0; r < ROUNDS; r++) await once();
    return (cpu() - c0) / ROUNDS;
  } finally {
    agent.destroy();
    connection?.destroy();
  }
}

/**
 * A real ScrapeTarget whose publish() does nothing: fetch, parse, points and
 * rates/quantiles (Folder), everything upstream of the windows.
 */
async function upstream(x: Tree, port: number): Promise<number> {
  const target = httpTarget(x, port);
  (target as unknown as { publish: () => void }).publish = () => {};
  return scrapeRounds(target, WARM);
}

function httpTarget(x: Tree, port: number): InstanceType<Tree['ScrapeTarget']> {
  const spec = x.parseTargetSpec(`http://127.0.0.1:${port}/metrics;name=bench`);
  if (!spec.ok) throw new Error(spec.error);
  return new x.ScrapeTarget({
    spec: spec.spec,
    hub: new x.MemoryHub({ capacity: 64 }),
    windows: new x.SeriesWindows({ span: 60_000 }, 100_000),
    logger: pino({ level: 'silent' }),
    interval: 1000,
    window: 60_000,
    maxSeries: 100_000,
  });
}

async function overHttp(x: Tree, port: number): Promise<number> {
  return scrapeRounds(httpTarget(x, port), WARM);
}

/**
 * The target of a pipeline made by the tree's own createPipeline (no built-in
 * sources, no data dir): its hub encodes every tick as the stream sends it,
 * the projection (and its tiers) folds it, the stream and the checks listen.
 */
async function asServer(x: Tree, port: number): Promise<number> {
  const config = x.parseConfig({}, {}, ['--scrape', `http://127.0.0.1:${port}/metrics;name=bench`, '--scrape-max-series', '100000', '--data-dir', '']);
  const p = x.createPipeline(config, { sources: () => [], logger: pino({ level: 'silent' }) });
  // --page-open: the stream counts one compact client (the page's ?compact=1), so every tick is written in both forms, as with a wall display open.
  if (PAGE_OPEN) Object.defineProperty(p.stream, 'compactClients', { get: () => 1 });
  p.projection.start();
  p.stream.start();
  p.checks.start();
  try {
    return await scrapeRounds(p.scrapers.targets[0], SERVER_WARM);
  } finally {
    p.checks.stop();
    p.stream.stop();
    p.projection.stop();
  }
}

/**
 * CPU per round of ROUNDS scrapes after `warm` (connection, JIT, windows), the
 * target's clock stepped 1 s a round unless --clock wall. The rows over HTTP
 * look at a target's steady state (it runs for hours): WARM rounds first, for
 * both trees.
 */
async function scrapeRounds(target: InstanceType<Tree['ScrapeTarget']>, warm = 3): Promise<number> {
  // Both trees' targets read their clock from a private `now` (Date.now unless given).
  let clock = Date.now();
  if (CLOCK === 'stepped') (target as unknown as { now: () => number }).now = () => clock;
  const round = async () => {
    await target.scrape();
    clock += 1000;
  };
  for (let i = 0; i < warm; i++) await round();
  // What earlier rows and runs left behind is collected now, not inside this row's rounds (with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const c0 = cpu();
  for (let r = 0; r < ROUNDS; r++) await round();
  const ms = (cpu() - c0) / ROUNDS;
  if (target.state !== 'up') throw new Error(`bench target is ${target.state}: ${target.problem}`);
  await target.stop();
  return ms;
}

/**
 * The child: serves page(SERIES, n) for the n-th request, so values move. The
 * pages of a row are made before the row starts (`{ ahead: count }`, answered
 * `ready`): made while the row runs, 88 KB of string building a round ran on
 * the VM's other core beside the process timed, and slowed it (on a 2-vCPU VM
 * the two may share one physical core).
 */
function serve(): void {
  let n = 0;
  let base = 0;
  let ahead: string[] = [];
  process.on('message', (m: { ahead: number }) => {
    base = n;
    ahead = [];
    for (let i = 0; i < m.ahead; i++) ahead.push(page(SERIES, n + i));
    process.send!('ready');
  });
  const srv = createServer((_req, res) => {
    const body = n - base < ahead.length ? ahead[n - base] : page(SERIES, n);
    n++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  srv.listen(0, '127.0.0.1', () => process.send!((srv.address() as { port: number }).port));
}

/** Has the page child make the next `count` pages now, before a row over HTTP times anything. */
function pagesAhead(child: ChildProcess, count: number): Promise<void> {
  return new Promise((resolve) => {
    child.once('message', () => resolve());
    child.send({ ahead: count });
  });
}

const ROWS = [
  ['parse', 'parse (exposition.ts, cached)'],
  ['plan', 'parse from bytes through the page plan (page-plan.ts), as a target now reads'],
  ['npm', 'parse (parse-prometheus-text-format), for scale'],
  ['inproc', 'round in-process: parse, points, rates/quantiles, windows, publish'],
  ['windows', '  of which windows + publish of its readings (any source pays these)'],
  ['fetch', 'fetch alone over HTTP: GET, body (decoded where the tree decodes it), as the target makes it'],
  ['upstream', 'fetch + parse + points + rates/quantiles over HTTP: a real ScrapeTarget, publish() left out'],
  ['http', 'round over HTTP: a real ScrapeTarget, bare hub (JSON.stringify of whole ticks; no server runs this)'],
  ['server', '**round over HTTP as the server runs it** (createPipeline: stream encoding, projection, tiers, checks; each tree in a process of its own; target ≤ 2 ms per 1,000)'],
] as const;
type Row = (typeof ROWS)[number][0];
const ONLY = arg('rows', '') ? new Set(arg('rows', '').split(',')) : null;
for (const r of ONLY ?? []) if (!ROWS.some(([k]) => k === r)) throw new Error(`--rows: no row ${r}; rows are ${ROWS.map(([k]) => k).join(', ')}`);
const wanted = (r: Row) => !ONLY || ONLY.has(r);

/**
 * The tree at `dir` compiled into `out` by tsc with this checkout's build config
 * (tsconfig.build.json: server/ and shared/, ES2022), as `npm run build` makes
 * dist/; `out` lies inside the checkout, so its imports find node_modules.
 */
function built(dir: string, out: string): string {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const config = join(dir, 'tsconfig.bench-build.json');
  writeFileSync(config, JSON.stringify({ extends: join(ROOT, 'tsconfig.build.json'), compilerOptions: { rootDir: dir, outDir: out, declaration: false, sourceMap: false }, include: [join(dir, 'server'), join(dir, 'shared')] }));
  try {
    // Emitted even when an old tree no longer type-checks against today's dependencies (tsc's exit code then is 2).
    execFileSync(process.execPath, [tsc, '-p', config], { cwd: ROOT, stdio: 'ignore' });
  } catch (err) {
    if ((err as { status?: number }).status !== 2) throw err;
  } finally {
    rmSync(config, { force: true });
  }
  return out;
}

/** serverOf in a child process of the same node flags, for the tree at `dir`. */
function inOwnProcess(dir: string, port: number): Promise<number> {
  const child = fork(process.argv[1], [...process.argv.slice(2), '--server-of', dir, '--port', String(port)], { execArgv: process.execArgv });
  return new Promise((resolve, reject) => {
    child.once('message', (ms) => resolve(ms as number));
    child.once('exit', (code) => reject(new Error(`server row child exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const rev = execFileSync('git', ['rev-parse', '--short', BASELINE], { cwd: ROOT, encoding: 'utf8' }).trim();
  const baseline = extractBaseline(ROOT, rev);
  const child = fork(process.argv[1], ['--child', ...process.argv.slice(2)], { execArgv: process.execArgv });
  try {
    const trees = { now: await loadTree(ROOT), before: await loadTree(baseline.dir) };
    const port = await new Promise<number>((r) => child.once('message', (p) => r(p as number)));
    const pages = Array.from({ length: ROUNDS }, (_, r) => page(SERIES, r));
    // The pages as a fetch hands them over, made once (not inside a timed row).
    const bytes = pages.map((p) => Buffer.from(p));
    const lines = pages[0].split('\n').filter((l) => l && !l.startsWith('#')).length;
    const serverDirs = { now: ROOT, before: baseline.dir };
    if (wanted('server') && SERVER_FROM === 'built') {
      serverDirs.now = built(ROOT, join(baseline.dir, 'built-now'));
      serverDirs.before = built(baseline.dir, join(baseline.dir, 'built-before'));
    }
    const rows = { now: {} as Record<Row, number[]>, before: {} as Record<Row, number[]> };
    for (const k of ROWS) rows.now[k[0]] = [], rows.before[k[0]] = [];
    for (let run = 0; run < RUNS; run++) {
      // Alternating within a run, in a different order each run.
      const order = run % 2 ? (['before', 'now'] as const) : (['now', 'before'] as const);
      if (wanted('parse')) for (const which of order) rows[which].parse.push(parseOnly(trees[which], pages));
      if (wanted('plan')) for (const which of order) rows[which].plan.push(planOnly(trees[which], pages, bytes));
      if (wanted('npm')) rows.now.npm.push(perRound(pages, (t) => parsePrometheusTextFormat(t)));
      if (wanted('inproc')) for (const which of order) rows[which].inproc.push(inProcess(trees[which], pages));
      if (wanted('windows')) for (const which of order) rows[which].windows.push(windowsOnly(trees[which], pages));
      // Each row over HTTP makes at most warm + ROUNDS + 1 requests (the +1: a first scrape the pipeline may start itself).
      const ahead = (warm: number) => pagesAhead(child, warm + ROUNDS + 2);
      if (wanted('fetch')) for (const which of order) await ahead(WARM), rows[which].fetch.push(await fetchOnly(trees[which], port));
      if (wanted('upstream')) for (const which of order) await ahead(WARM), rows[which].upstream.push(await upstream(trees[which], port));
      if (wanted('http')) for (const which of order) await ahead(WARM), rows[which].http.push(await overHttp(trees[which], port));
      if (wanted('server')) for (const which of order) await ahead(SERVER_WARM), rows[which].server.push(await inOwnProcess(serverDirs[which], port));
    }
    const per1k = (ms: number) => (ms * 1000) / lines;
    const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
    console.log(`\n${lines} series per round (${(pages[0].length / 1024).toFixed(0)} KiB), ${ROUNDS} rounds x ${RUNS} runs; CPU ms per 1,000 series, medians of the runs; before = ${rev}\n`);
    console.log(`| what | before (${rev}) | now | now / before |`);
    console.log('| --- | ---: | ---: | ---: |');
    for (const [k, label] of ROWS) {
      if (!wanted(k)) continue;
      const b = per1k(median(rows.before[k]));
      const n = per1k(median(rows.now[k]));
      console.log(`| ${label} | ${fmt(b)} | ${fmt(n)} | ${Number.isFinite(b) ? `${(n / b).toFixed(2)}x` : ''} |`);
    }
    if (wanted('upstream')) console.log(`\nruns (now, upstream row): ${rows.now.upstream.map((x) => per1k(x).toFixed(2)).join(' ')}; (before): ${rows.before.upstream.map((x) => per1k(x).toFixed(2)).join(' ')}`);
    if (wanted('server')) console.log(`runs (now, server row): ${rows.now.server.map((x) => per1k(x).toFixed(2)).join(' ')}; (before): ${rows.before.server.map((x) => per1k(x).toFixed(2)).join(' ')}`);
  } finally {
    child.kill();
    baseline.remove();
  }
}

/**
 * The server row of one tree in a process of its own (`--server-of DIR --port N`):
 * two trees' pipelines in one process slowed the one timed by about 0.4 ms a
 * round (each tree's own code and objects competing for the same caches and
 * JIT), and spread the runs wider. Sends the CPU ms per round to the parent.
 */
async function serverOf(dir: string, port: number): Promise<void> {
  const ms = await asServer(await loadTree(dir, SERVER_FROM === 'built' ? '.js' : '.ts'), port);
  process.send!(ms, () => process.exit(0));
}

if (process.argv.includes('--child')) serve();
else if (process.argv.includes('--server-of')) await serverOf(arg('server-of', ''), Number(arg('port', '0')));
else await main();
