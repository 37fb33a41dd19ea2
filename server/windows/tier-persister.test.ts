import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stat } from '../../shared/schema.js';
import { capturedLogger } from '../../tests/helpers/log-capture.js';
import { stateOf } from '../../tests/helpers/tier-state.js';
import { LOG_HEAD } from './tier-log.js';
import { mergedColumn, tierRange } from './tier-query.js';
import { LOG_FILE, TierPersister, STATE_FILE } from './tier-persister.js';
import { TierStore } from './tier-store.js';

const stat = (v: number): Stat => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable', u: '' });
const T0 = 1_700_000_400_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(compactAt?: number, maxHeld?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tiers-'));
  dirs.push(dir);
  const { logger, lines } = capturedLogger();
  const store = new TierStore({ maxHeld });
  return { dir, lines, store, persister: new TierPersister(store, { dir, interval: 60_000, logger, compactAt }) };
}

function feed(store: TierStore, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) {
    store.fold('host', { t: T0 + i * 1000, source: 'web-1', values: { 'host.cpu.total': stat(i % 7), 'host.fs.free{mountpoint=/}': stat(1e10 + i) } });
    if (i % 3 === 0) store.fold('app', { t: T0 + i * 1000, source: 'llm-1', values: { 'inference.tokens_per_s{model=llama}': stat(i * 1.5) } });
  }
}

/** A new store and persister reading `dir`, and the lines it logged. */
async function reload(dir: string) {
  const store = new TierStore();
  const { logger, lines } = capturedLogger();
  const persister = new TierPersister(store, { dir, interval: 60_000, logger });
  await persister.load();
  return { store, persister, lines };
}

const column = (store: TierStore, channel: 'host' | 'app', source: string, key: string, tier: string) => {
  const ring = store.group(channel, source)!.ring(tier)!;
  return mergedColumn(ring, ring.series.get(key), tierRange(ring, ring.spec.capacity));
};

describe('TierPersister', () => {
  it('writes every tier and reads it back into a new store bucket for bucket', async () => {
    const a = setup();
    feed(a.store, 5000);
    await a.persister.flush();
    const b = new TierStore();
    await new TierPersister(b, { dir: a.dir, interval: 60_000, logger: capturedLogger().logger }).load();
    expect(b.size).toBe(a.store.size);
    for (const tier of ['1h', '24h']) {
      expect(column(b, 'host', 'web-1', 'host.cpu.total', tier)).toEqual(column(a.store, 'host', 'web-1', 'host.cpu.total', tier));
      expect(column(b, 'app', 'llm-1', 'inference.tokens_per_s{model=llama}', tier)).toEqual(column(a.store, 'app', 'llm-1', 'inference.tokens_per_s{model=llama}', tier));
    }
    // Ticks already in the file are not folded again; later ones are.
    expect(b.group('host', 'web-1')!.through).toBe(T0 + 4999_000);
    expect(readdirSync(a.dir).sort()).toEqual([STATE_FILE, LOG_FILE].sort());
  });

  it('holds the ticks that come while it writes and folds them after: the file is one whole state, no tick lost', async () => {
    // Room for every tick of the write, however slow the machine: here one comes at every turn of the loop.
    const a = setup(undefined, 1e7);
    // 600 other series first (about 35 MB to write before host.cpu.total), once.
    const others = Object.fromEntries(Array.from({ length: 600 }, (_, j) => [`host.other_${j}`, stat(j)]));
    const tick = (store: TierStore, i: number) =>
      store.fold('host', { t: T0 + i * 1000, source: 'web-1', values: { ...(i === 0 ? others : {}), 'host.cpu.total': stat((i * 37) % 101) } });
    let i = 0;
    for (; i < 3000; i++) tick(a.store, i);
    // A tick at every turn of the event loop while the write goes on (10 s buckets open and fill meanwhile).
    let done = false;
    const ticking = (async () => {
      while (!done) {
        tick(a.store, i++);
        await new Promise((r) => setImmediate(r));
      }
    })();
    await a.persister.flush();
    done = true;
    await ticking;
    const b = new TierStore();
    await new TierPersister(b, { dir: a.dir, interval: 60_000, logger: capturedLogger().logger }).load();
    // The file is the state after some tick k, exactly: as if fed ticks 0..k and nothing else.
    const k = (b.group('host', 'web-1')!.through - T0) / 1000;
    expect(k).toBeGreaterThanOrEqual(2999);
    const ref = new TierStore();
    for (let j = 0; j <= k; j++) tick(ref, j);
    for (const tier of ['1h', '24h']) expect(column(b, 'host', 'web-1', 'host.cpu.total', tier)).toEqual(column(ref, 'host', 'web-1', 'host.cpu.total', tier));
    // And the store folded every tick, those held during the write too.
    const all = new TierStore();
    for (let j = 0; j < i; j++) tick(all, j);
    expect(column(a.store, 'host', 'web-1', 'host.cpu.total', '1h')).toEqual(column(all, 'host', 'web-1', 'host.cpu.total', '1h'));
    expect(i).toBeGreaterThan(3001);
  });

  it('never keeps a state file written while more ticks came than the store holds: the write fails once, the next one succeeds', async () => {
    const a = setup(undefined, 5);
    const others = Object.fromEntries(Array.from({ length: 600 }, (_, j) => [`host.other_${j}`, stat(j)]));
    let i = 0;
    const tick = () => a.store.fold('host', { t: T0 + i++ * 1000, source: 'web-1', values: { ...others, 'host.cpu.total': stat(i % 11) } });
    for (; i < 100; ) tick();
    let done = false;
    const ticking = (async () => {
      while (!done) {
        tick();
        await new Promise((r) => setImmediate(r));
      }
    })();
    await a.persister.flush();
    done = true;
    await ticking;
    expect(i).toBeGreaterThan(110);
    expect(a.lines.filter((l) => l.includes('ticks came faster than the state could be written'))).toHaveLength(1);
    expect(readdirSync(a.dir)).toEqual([]);
    await a.persister.flush();
    expect(stateOf((await reload(a.dir)).store)).toEqual(stateOf(a.store));
  });

  it('starts empty with one log line when there is no file', async () => {
    const a = setup();
    await a.persister.load();
    expect(a.store.size).toBe(0);
    expect(a.lines.filter((l) => l.includes('tiers'))).toHaveLength(1);
  });

  const bad: Array<[string, (good: Buffer) => Buffer, string]> = [
    ['truncated', (g) => g.subarray(0, Math.floor(g.length / 2)), 'truncated'],
    ['cut after its head', (g) => g.subarray(0, 20), 'truncated'],
    ['empty', () => Buffer.alloc(0), 'truncated'],
    ['corrupt in its footer', (g) => Buffer.concat([g.subarray(0, g.length - 60), Buffer.from('#'.repeat(44)), g.subarray(g.length - 16)]), 'corrupt'],
    ['corrupt in a bucket', (g) => corruptBucket(g), 'corrupt'],
    ['of an older version', (g) => withVersion(g, 0), 'version'],
    ['of a newer version', (g) => withVersion(g, 99), 'version'],
    ['foreign (a JSON file)', () => Buffer.from('{"hello":"world"}\n'), 'foreign'],
    ['foreign (random bytes)', () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)), 'foreign'],
  ];
  it.each(bad)('moves aside a state file that is %s, logs one line and starts empty', async (_what, spoil, kind) => {
    const a = setup();
    feed(a.store, 200);
    await a.persister.flush();
    const file = join(a.dir, STATE_FILE);
    const spoiled = spoil(readFileSync(file));
    writeFileSync(file, spoiled);
    const store = new TierStore();
    const { logger, lines } = capturedLogger();
    const p = new TierPersister(store, { dir: a.dir, interval: 60_000, logger });
    await p.load();
    expect(store.size).toBe(0);
    expect(store.groups.size).toBe(0);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 40, msg: 'tiers state file moved aside; starting with empty tiers', reason: expect.stringContaining(kind) });
    const files = readdirSync(a.dir);
    expect(files).not.toContain(STATE_FILE);
    const aside = files.find((f) => f.startsWith(`${STATE_FILE}.${kind}-`));
    expect(aside).toBeDefined();
    expect(readFileSync(join(a.dir, aside!))).toEqual(spoiled);
    // And the next write makes a good file again.
    feed(store, 10);
    await p.flush();
    expect(readdirSync(a.dir)).toContain(STATE_FILE);
  });

  it('writes nothing when nothing changed, and a failed write is logged once, never thrown', async () => {
    const a = setup();
    feed(a.store, 10);
    await a.persister.flush();
    await a.persister.flush();
    expect(a.persister.writes).toBe(1);
    writeFileSync(join(a.dir, 'blocker'), 'x');
    const { logger, lines } = capturedLogger();
    const p = new TierPersister(a.store, { dir: join(a.dir, 'blocker', 'sub'), interval: 60_000, logger });
    await p.flush();
    feed(a.store, 20);
    await p.flush();
    expect(lines.filter((l) => l.includes('write failed'))).toHaveLength(1);
  });
});

describe('TierPersister: the log between whole writes', () => {
  /** A state file, then `appends` log records of 100 ticks each; the state after each write. */
  async function withLog(appends: number) {
    const a = setup();
    feed(a.store, 3000);
    await a.persister.flush();
    const states = [stateOf(a.store)];
    for (let i = 0; i < appends; i++) {
      feed(a.store, 100, 3000 + i * 100);
      await a.persister.flush();
      expect(a.persister.lastWrite).toBe('log');
      states.push(stateOf(a.store));
    }
    const log = readFileSync(join(a.dir, LOG_FILE));
    return { ...a, states, log };
  }

  /** Where each record of a log starts (record i at [i]), and where the last ends. */
  const recordsOf = (log: Buffer) => {
    const at = [LOG_HEAD];
    while (at.at(-1)! < log.length) at.push(at.at(-1)! + 8 + log.readUInt32LE(at.at(-1)! + 4));
    return at;
  };

  it('appends only the buckets touched since the last write, and a new process reads state file and log as one', async () => {
    const a = await withLog(3);
    expect([a.persister.compactions, a.persister.appends]).toEqual([1, 3]);
    // 100 ticks touch a few buckets of 3 series: a few KB, against the whole state's ~190 KB.
    expect(a.persister.lastWriteBytes).toBeLessThan(8_000);
    expect(statSync(join(a.dir, STATE_FILE)).size).toBeGreaterThan(150_000);
    expect(a.log.length).toBeLessThan(3 * 8_000 + LOG_HEAD);
    const b = await reload(a.dir);
    expect(stateOf(b.store)).toEqual(a.states[3]);
    expect(JSON.parse(b.lines.at(-1)!)).toMatchObject({ msg: 'tiers state loaded', logRecords: 3 });
    // And it goes on appending to that log.
    feed(b.store, 50, 3300);
    await b.persister.flush();
    expect(b.persister.lastWrite).toBe('log');
    expect(stateOf((await reload(a.dir)).store)).toEqual(stateOf(b.store));
  });

  const torn: Array<[string, (log: Buffer, at: number[]) => Buffer, number]> = [
    ['cut inside its last record (a crash while appending)', (log, at) => log.subarray(0, at[2] + 40), 2],
    ['cut inside the 8 bytes before a record', (log, at) => log.subarray(0, at[2] + 5), 2],
    ['with a bit flipped in its last record', (log, at) => flip(log, at[2] + 100), 2],
    ['with a bit flipped in its first record', (log, at) => flip(log, at[0] + 20), 0],
    ['with a record length past the end', (log, at) => (log.writeUInt32LE(0xfffff8, at[1] + 4), log), 1],
    ['with garbage after its last record', (log) => Buffer.concat([log, Buffer.from('garbage!'.repeat(3))]), 3],
  ];
  it.each(torn)('a log %s: the records before the bad one hold, one line says so, and appends go on after them', async (_what, spoil, kept) => {
    const a = await withLog(3);
    const at = recordsOf(a.log);
    writeFileSync(join(a.dir, LOG_FILE), spoil(Buffer.from(a.log), at));
    const b = await reload(a.dir);
    expect(stateOf(b.store)).toEqual(a.states[kept]);
    const warned = b.lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ msg: 'tiers log cut at its first bad record (a write torn by a crash?)', records: kept });
    // Cut back to its good records; the next append follows them and is read back.
    expect(statSync(join(a.dir, LOG_FILE)).size).toBe(at[kept]);
    feed(b.store, 100, 3300);
    await b.persister.flush();
    expect(b.persister.lastWrite).toBe('log');
    const c = await reload(a.dir);
    expect(stateOf(c.store)).toEqual(stateOf(b.store));
    expect(c.lines.filter((l) => l.includes('"level":40'))).toHaveLength(0);
  });

  it('moves aside a log of another state file, uses the state file alone, and writes a whole one next', async () => {
    const a = await withLog(2);
    const other = await withLog(2);
    writeFileSync(join(a.dir, LOG_FILE), other.log);
    const b = await reload(a.dir);
    expect(stateOf(b.store)).toEqual(a.states[0]);
    const warned = b.lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warned).toEqual([expect.objectContaining({ msg: 'tiers log moved aside; using the state file alone', reason: expect.stringContaining('foreign') })]);
    const aside = readdirSync(a.dir).find((f) => f.startsWith(`${LOG_FILE}.foreign-`))!;
    expect(readFileSync(join(a.dir, aside))).toEqual(other.log);
    feed(b.store, 10, 3200);
    await b.persister.flush();
    expect(b.persister.lastWrite).toBe('base');
    expect(stateOf((await reload(a.dir)).store)).toEqual(stateOf(b.store));
  });

  it('takes the previous state file\'s log (a stop between writing the state file and its new log) as already in the state file', async () => {
    const a = await withLog(2);
    await a.persister.stop();
    expect(statSync(join(a.dir, LOG_FILE)).size).toBe(LOG_HEAD);
    writeFileSync(join(a.dir, LOG_FILE), a.log);
    const b = await reload(a.dir);
    expect(stateOf(b.store)).toEqual(a.states[2]);
    expect(b.lines.filter((l) => l.includes('"level":40'))).toHaveLength(0);
    expect(b.lines.some((l) => l.includes('tiers log of the previous state file'))).toBe(true);
    expect(readdirSync(a.dir).sort()).toEqual([STATE_FILE, LOG_FILE]);
  });

  it('moves aside a log without its state file and starts empty', async () => {
    const a = await withLog(1);
    rmSync(join(a.dir, STATE_FILE));
    const b = await reload(a.dir);
    expect(b.store.size).toBe(0);
    expect(b.lines).toHaveLength(1);
    expect(JSON.parse(b.lines[0])).toMatchObject({ msg: 'no tiers state file yet; starting with empty tiers', logMovedTo: expect.stringContaining(`${LOG_FILE}.orphan-`) });
  });

  it('a state file that cannot be read just now (not a bad one) leaves its log where it is', async () => {
    const a = await withLog(1);
    rmSync(join(a.dir, STATE_FILE));
    mkdirSync(join(a.dir, STATE_FILE));
    const b = await reload(a.dir);
    expect(b.store.size).toBe(0);
    expect(b.lines).toHaveLength(1);
    expect(JSON.parse(b.lines[0])).toMatchObject({ level: 40, msg: 'tiers state file unreadable; starting with empty tiers' });
    expect(readFileSync(join(a.dir, LOG_FILE))).toEqual(a.log);
  });

  it('a bad state file takes its log aside with it, in the same one line', async () => {
    const a = await withLog(1);
    writeFileSync(join(a.dir, STATE_FILE), 'not tiers');
    const b = await reload(a.dir);
    expect(b.store.size).toBe(0);
    expect(b.lines).toHaveLength(1);
    expect(JSON.parse(b.lines[0])).toMatchObject({ level: 40, logMovedTo: expect.stringContaining(`${LOG_FILE}.orphan-`) });
    expect(readdirSync(a.dir).filter((f) => f === LOG_FILE || f === STATE_FILE)).toEqual([]);
  });

  it('folds the log into a new state file once it passes its share of the state file, keeping everything', async () => {
    // 0.1 of ~190 KB: a new state file every few writes of 100 ticks.
    const a = setup(0.1);
    for (let i = 0; i < 30; i++) {
      feed(a.store, 100, i * 100);
      await a.persister.flush();
      expect(statSync(join(a.dir, LOG_FILE)).size).toBeLessThanOrEqual(0.1 * statSync(join(a.dir, STATE_FILE)).size);
      expect(stateOf((await reload(a.dir)).store)).toEqual(stateOf(a.store));
    }
    expect(a.persister.compactions).toBeGreaterThan(2);
    expect(a.persister.appends).toBeGreaterThan(a.persister.compactions);
  });

  it('writes the whole state on stop, so the next start reads no log', async () => {
    const a = await withLog(2);
    await a.persister.stop();
    expect(a.persister.lastWrite).toBe('base');
    expect(statSync(join(a.dir, LOG_FILE)).size).toBe(LOG_HEAD);
    const b = await reload(a.dir);
    expect(stateOf(b.store)).toEqual(a.states[2]);
    expect(JSON.parse(b.lines.at(-1)!)).toMatchObject({ logRecords: 0 });
  });

  it('after a failed append the next write is a whole state file, so nothing of the failed one is lost', async () => {
    const a = await withLog(1);
    // The log cannot be opened for writing (a directory in its place).
    rmSync(join(a.dir, LOG_FILE));
    mkdirSync(join(a.dir, LOG_FILE));
    feed(a.store, 100, 3100);
    await a.persister.flush();
    expect(a.lines.filter((l) => l.includes('write failed'))).toHaveLength(1);
    rmSync(join(a.dir, LOG_FILE), { recursive: true });
    feed(a.store, 100, 3200);
    await a.persister.flush();
    expect(a.persister.lastWrite).toBe('base');
    expect(stateOf((await reload(a.dir)).store)).toEqual(stateOf(a.store));
  });

  it('a process that holds fewer series than the one before it (a lower maxSeries) goes on with the same log, readable after it', async () => {
    const a = await withLog(2);
    // One of host@web-1's two series: the log's records name two.
    const small = () => {
      const store = new TierStore({ maxSeries: 1 });
      return { store, p: new TierPersister(store, { dir: a.dir, interval: 60_000, logger: capturedLogger().logger }) };
    };
    const b = small();
    await b.p.load();
    expect(b.store.size).toBe(1);
    feed(b.store, 100, 3200);
    await b.p.flush();
    expect(b.p.lastWrite).toBe('log');
    const c = small();
    await c.p.load();
    expect(stateOf(c.store)).toEqual(stateOf(b.store));
    feed(c.store, 100, 3300);
    await c.p.flush();
    const d = small();
    await d.p.load();
    expect(stateOf(d.store)).toEqual(stateOf(c.store));
  });

  it('removes the temporary files a killed write left, and nothing else', async () => {
    const a = await withLog(1);
    writeFileSync(join(a.dir, `${STATE_FILE}.tmp-999999`), 'half a state file');
    writeFileSync(join(a.dir, `${LOG_FILE}.tmp-999998`), 'half a log head');
    writeFileSync(join(a.dir, `${STATE_FILE}.corrupt-1`), 'moved aside earlier: kept');
    const b = await reload(a.dir);
    expect(stateOf(b.store)).toEqual(a.states[1]);
    expect(readdirSync(a.dir).sort()).toEqual([STATE_FILE, `${STATE_FILE}.corrupt-1`, LOG_FILE].sort());
    expect(JSON.parse(b.lines[0])).toMatchObject({ msg: 'removed temporary tiers files a stopped write left', removed: expect.arrayContaining([`${STATE_FILE}.tmp-999999`, `${LOG_FILE}.tmp-999998`]) });
  });

  it('reads a version 1 state file (before the log), then writes version 2 with a log', async () => {
    const a = await withLog(0);
    writeFileSync(join(a.dir, STATE_FILE), asVersion1(readFileSync(join(a.dir, STATE_FILE))));
    rmSync(join(a.dir, LOG_FILE));
    const b = await reload(a.dir);
    expect(stateOf(b.store)).toEqual(a.states[0]);
    feed(b.store, 10, 3000);
    await b.persister.flush();
    expect(b.persister.lastWrite).toBe('base');
    expect(readFileSync(join(a.dir, STATE_FILE)).readUInt32LE(8)).toBe(2);
    feed(b.store, 10, 3010);
    await b.persister.flush();
    expect(b.persister.lastWrite).toBe('log');
  });
});

function flip(b: Buffer, at: number): Buffer {
  b[at] ^= 0x10;
  return b;
}

/** The same state as version 1 wrote it: version 1 in head and trailer, no generation in the footer. */
function asVersion1(g: Buffer): Buffer {
  const b = Buffer.from(g);
  const len = b.readUInt32LE(b.length - 16);
  const at = b.length - 16 - len;
  const { generation: _g, previous: _p, ...footer } = JSON.parse(b.toString('utf8', at, at + len));
  const json = JSON.stringify({ ...footer, version: 1 });
  b.fill(0x20, at, at + len);
  b.write(json, at);
  b.writeUInt32LE(1, 8);
  b.writeUInt32LE(1, b.length - 12);
  return b;
}

function withVersion(g: Buffer, v: number): Buffer {
  const b = Buffer.from(g);
  b.writeUInt32LE(v, 8);
  return b;
}

/** A count set where its slot holds no bucket: the footer reads fine, the data does not. */
function corruptBucket(g: Buffer): Buffer {
  const b = Buffer.from(g);
  // First group, first tier (1h): 360 slots, then the first series' min/max/sum/last, then its counts.
  const slots = 16;
  for (let i = 0; i < 360; i++) b.writeDoubleLE(NaN, slots + i * 8);
  b.writeUInt16LE(5, slots + 360 * 8 + 360 * 32);
  return b;
}
