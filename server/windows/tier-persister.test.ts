import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stat } from '../../shared/schema.js';
import { capturedLogger } from '../../tests/helpers/log-capture.js';
import { mergedColumn, tierRange } from './tier-query.js';
import { LOG_FILE, TierPersister, STATE_FILE } from './tier-persister.js';
import { TierStore } from './tier-store.js';

const stat = (v: number): Stat => ({ v, min: v, max: v, avg: v, n: 1, trend: 'stable', u: '' });
const T0 = 1_700_000_400_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tiers-'));
  dirs.push(dir);
  const { logger, lines } = capturedLogger();
  const store = new TierStore();
  return { dir, lines, store, persister: new TierPersister(store, { dir, interval: 60_000, logger }) };
}

function feed(store: TierStore, n: number): void {
  for (let i = 0; i < n; i++) {
    store.fold('host', { t: T0 + i * 1000, source: 'web-1', values: { 'host.cpu.total': stat(i % 7), 'host.fs.free{mountpoint=/}': stat(1e10 + i) } });
    if (i % 3 === 0) store.fold('app', { t: T0 + i * 1000, source: 'llm-1', values: { 'inference.tokens_per_s{model=llama}': stat(i * 1.5) } });
  }
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
    const a = setup();
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
