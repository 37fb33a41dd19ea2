import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ChannelName, type TickEvent } from '../../../shared/schema.js';
import { MetricKey } from '../../../shared/series.js';
import type { TierRing } from '../../windows/tier.js';
import type { GroupTiers, TierStore } from '../../windows/tier-store.js';
import { PeriodicWriter } from '../../windows/periodic-writer.js';
import { RedisLink } from './link.js';

/*
 * The tiers in Redis: one string key per series and tier,
 *
 *   <prefix>:tier:<tier>:<channel>@<source>:<metric key>
 *
 * of fixed length 8 + capacity × 48 bytes: first the time of the newest tick
 * folded in (f64), then one record per slot: bucket number, min, max, sum,
 * last and count (six f64, little-endian). The instance that publishes a
 * series' ticks (the agent or standalone that samples it, the instance that
 * received a push) folds them and writes the buckets that changed with SETRANGE,
 * every interval, in one MULTI per group; the key expires after its tier's span
 * without a write. Readers load every key at start and fold the hub's events
 * after each key's newest tick, so two servers hold the same tiers, a restart
 * keeps them, and after Redis restarts empty they fill again from then on.
 */
const RECORD = 48;
const HEAD = 8;

export interface RedisTiersOptions {
  url: string;
  logger: Logger;
  prefix?: string;
  /** How often changed buckets are written, ms. */
  interval: number;
  /** This instance's source: at start its own series are read back, so a restart continues them. */
  source: string;
}

/** Where each own group and tier stood at the last write: buckets from there on are written. */
type Written = Map<GroupTiers, { through: number; newest: number[] }>;

export class RedisTiers {
  private readonly link: RedisLink;
  private readonly conn: Redis;
  private readonly prefix: string;
  private readonly written: Written = new Map();
  private readonly writer: PeriodicWriter;

  /** `own`: the tiers of what this instance publishes (fed by fold()); `served`: what it serves (null for an agent). */
  constructor(
    private readonly own: TierStore,
    private readonly served: TierStore | null,
    private readonly opts: RedisTiersOptions,
  ) {
    this.prefix = `${opts.prefix ?? 'vigil'}:tier:`;
    this.link = new RedisLink({ url: opts.url, logger: opts.logger });
    this.conn = this.link.open('vigil-tiers');
    this.writer = new PeriodicWriter({
      interval: opts.interval,
      write: () => this.write(),
      ready: () => this.link.ready,
      onFail: (err) => opts.logger.warn({ err: err.message }, 'tiers write to Redis failed; will retry'),
    });
  }

  /** Writes done. */
  get writes(): number {
    return this.writer.writes;
  }

  /** A tick this instance publishes. */
  fold(channel: ChannelName, tick: TickEvent): void {
    this.own.fold(channel, tick);
  }

  /** Reads the tiers back (never throws: Redis may be away, then tiers start empty) and starts writing. */
  async start(): Promise<void> {
    await this.link.connect();
    try {
      await this.load();
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'tiers not read from Redis; starting with empty tiers');
    }
    this.writer.start();
  }

  async stop(): Promise<void> {
    await this.writer.stop();
    await this.link.close();
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** The buckets changed since the last write, in one MULTI; false when none. */
  private async write(): Promise<boolean> {
    const done: Array<() => void> = [];
    const multi = this.conn.multi();
    let commands = 0;
    for (const g of this.own.groups.values()) {
      const w = this.written.get(g);
      if (w && w.through === g.through) continue;
      const through = Buffer.alloc(HEAD);
      through.writeDoubleLE(g.through);
      g.rings.forEach((r, i) => {
        // From the bucket last written (all, if the tiers started over since: a clock jumped back).
        const mark = w?.newest[i] ?? -Infinity;
        const from = Math.max(r.oldest, mark <= r.newest ? mark : -Infinity);
        const ttl = r.spec.step * r.spec.capacity;
        for (const key of g.updated.keys()) {
          const s = r.series.get(key);
          if (!s) continue;
          const k = this.key(r, g, key);
          for (let b = from; b <= r.newest; b++) {
            const slot = b % r.spec.capacity;
            if (r.slots[slot] !== b) continue;
            const rec = Buffer.alloc(RECORD);
            [b, s.min[slot], s.max[slot], s.sum[slot], s.last[slot], s.count[slot]].forEach((x, j) => rec.writeDoubleLE(x, j * 8));
            multi.setrange(k, HEAD + slot * RECORD, rec);
          }
          multi.setrange(k, 0, through);
          multi.pexpire(k, ttl);
          commands++;
        }
      });
      const mark = { through: g.through, newest: g.rings.map((r) => r.newest) };
      done.push(() => this.written.set(g, mark));
    }
    if (!commands) return false;
    await multi.exec();
    for (const d of done) d();
    return true;
  }

  private key(r: TierRing, g: GroupTiers, metricKey: string): string {
    return `${this.prefix}${r.spec.name}:${g.channel}@${g.source}:${metricKey}`;
  }

  /** Every key into `served`, and this instance's own source's keys into `own`. */
  private async load(): Promise<void> {
    let cursor = '0';
    let keys = 0;
    do {
      const [next, batch] = await this.conn.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      cursor = next;
      if (!batch.length) continue;
      const values = await this.conn.pipeline(batch.map((k) => ['getBuffer', k])).exec();
      batch.forEach((k, i) => {
        const v = values?.[i]?.[1];
        if (Buffer.isBuffer(v) && this.install(k, v)) keys++;
      });
    } while (cursor !== '0');
    for (const g of this.own.groups.values()) this.written.set(g, { through: g.through, newest: g.rings.map((r) => r.newest) });
    this.opts.logger.info({ keys, series: this.served?.size ?? this.own.size }, 'tiers read from Redis');
  }

  /** One key into the stores it belongs in; false for a key that is not ours or not whole. */
  private install(key: string, buf: Buffer): boolean {
    const m = /^([^:]+):([a-z]+)@([^:]+):(.+)$/.exec(key.slice(this.prefix.length));
    if (!m) return false;
    const [, tier, channel, source, metricKey] = m;
    if (!ChannelName.safeParse(channel).success || !MetricKey.safeParse(metricKey).success) return false;
    let ok = false;
    for (const store of [this.served, source === this.opts.source ? this.own : null]) {
      if (!store) continue;
      const g = store.groupOf(channel as ChannelName, source);
      const ring = g.ring(tier);
      if (!ring || buf.length > HEAD + ring.spec.capacity * RECORD || !store.adopt(g, metricKey, buf.readDoubleLE(0))) continue;
      installRing(g, ring, metricKey, buf);
      ok = true;
    }
    return ok;
  }
}

/** The records of one key into a ring: only buckets within the ring's reach of the newest one. */
function installRing(g: GroupTiers, ring: TierRing, metricKey: string, buf: Buffer): void {
  const cap = ring.spec.capacity;
  const n = Math.floor((buf.length - HEAD) / RECORD);
  const through = buf.readDoubleLE(0);
  if (through > g.through) g.through = through;
  let newest = -Infinity;
  for (let i = 0; i < n; i++) newest = Math.max(newest, buf.readDoubleLE(HEAD + i * RECORD));
  if (!Number.isInteger(newest) || newest < 1) return;
  if (ring.newest === -Infinity) {
    for (let b = newest - cap + 1; b <= newest; b++) ring.slots[b % cap] = b;
    ring.newest = newest;
  } else if (newest > ring.newest) {
    // Open buckets up to it (clearing what other keys put in slots now reused).
    ring.slotFor(newest * ring.spec.step);
  }
  const s = ring.bucketsOf(metricKey);
  for (let slot = 0; slot < n && slot < cap; slot++) {
    const at = HEAD + slot * RECORD;
    const b = buf.readDoubleLE(at);
    if (b !== ring.slots[slot] || b <= ring.newest - cap) continue;
    const [min, max, sum, last, count] = [1, 2, 3, 4, 5].map((j) => buf.readDoubleLE(at + j * 8));
    if (!(min <= max) || !Number.isFinite(sum) || !(count >= 1 && count <= 0xffff)) continue;
    s.min[slot] = min;
    s.max[slot] = max;
    s.sum[slot] = sum;
    s.last[slot] = last;
    s.count[slot] = count;
    if (b < ring.first) ring.first = b;
  }
}
