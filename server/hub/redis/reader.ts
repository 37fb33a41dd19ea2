import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { forReplay, frameBytes, type HubEvent, type HubReset } from '../hub.js';
import type { TickEncoder } from '../tick-json.js';
import { compareEntryIds, decodeEntry, type DecodedEntry, type RawEntry } from './events.js';
import type { RedisLink } from './link.js';
import type { RedisKeys, RedisPublisher } from './publisher.js';

export interface RedisReaderOptions {
  keys: RedisKeys;
  link: RedisLink;
  /** The blocking connection, used by nobody else. */
  reader: Redis;
  cmd: Redis;
  publisher: RedisPublisher;
  logger: Logger;
  /** Entries read back on start and on a reset; also the size of the frame cache. */
  warm: number;
  /** Bytes of frames the cache holds at most (REPLAY_BYTES); the oldest go first. */
  maxBytes?: number;
  block: number;
  onEvent: (e: HubEvent) => void;
  onReset: (r: HubReset) => void;
}

/**
 * Reads the entries after ARGV[1] (at most ARGV[2]), or nil when ARGV[1] is no
 * longer in the stream. Atomic, so "still there" and "what follows" are one view:
 * trimming (MAXLEN) removes the oldest entries only, so if our last entry is
 * still there, nothing after it was removed and the entries returned are exactly
 * the next ones. XREAD alone cannot tell: from a trimmed id it silently answers
 * with whatever comes later, and the trimmed events would be a silent gap.
 * KEYS: stream. Returns [id, fields] entries like XRANGE.
 */
const READ_AFTER = `
local r = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', tonumber(ARGV[2]) + 1)
if #r == 0 or r[1][1] ~= ARGV[1] then return false end
table.remove(r, 1)
return r
`;

type ReadAfterScript = (stream: string, after: string, count: number) => Promise<RawEntry[] | null>;

const READ_COUNT = 1000;

/**
 * Follows the stream for one instance, decoding each entry (and building its
 * frame) once. Every read goes through READ_AFTER from the last entry it
 * delivered; XREAD BLOCK serves only to wait for new entries, and what it
 * returns is read again through READ_AFTER, since a blocked XREAD may be served
 * after a whole batch of XADDs has trimmed our position. A position found
 * trimmed (a paused or slow reader, an agent sending a buffer larger than the
 * cap) rebuilds from the newest entries and resets every client with a snapshot:
 * never a silent gap. It owns the instance's view of the epoch: on start, after
 * every reconnect and whenever an entry of another epoch shows up it resyncs.
 */
export class RedisReader {
  epoch = '0';
  /** The last entry delivered (or the epoch boundary the state starts after). */
  lastRead = '0-0';
  /** True until this instance agrees with Redis again; nothing is delivered meanwhile. */
  stale = true;
  /**
   * Writes the frames of live entries, in stream order, each just before its
   * event is delivered (see Hub.encodeWith); entries read back on a resync or a
   * replay are written whole, as nobody's state is known for them.
   */
  encode: TickEncoder | undefined;
  /** Recent events by entry id, so replays reuse their frames. */
  readonly cache = new Map<string, HubEvent>();
  private cacheBytes = 0;
  private progress: Array<() => void> = [];
  private running = false;
  /** The last read error logged; the same error is logged once, not per retry. */
  private lastError = '';
  private loop: Promise<void> | null = null;

  private readonly readAfter: ReadAfterScript;

  constructor(private readonly o: RedisReaderOptions) {
    o.reader.defineCommand('vigilReadAfter', { numberOfKeys: 1, lua: READ_AFTER });
    this.readAfter = (o.reader as unknown as { vigilReadAfter: ReadAfterScript }).vigilReadAfter.bind(o.reader);
  }

  async start(): Promise<void> {
    this.running = true;
    if (this.o.link.ready) await this.resync().catch(() => {});
    this.loop = this.run();
  }

  /** Call after the link is closed, which ends a blocked read. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.loop = null;
    this.wake();
  }

  /**
   * The events after `entry` up to the last delivered, from memory; null unless
   * `entry` is a cached event. The cache holds every event read, in order, evicted
   * from the oldest only, so from a cached entry on it has no gap.
   */
  eventsAfter(entry: string): HubEvent[] | null {
    if (!this.cache.has(entry)) return null;
    const out: HubEvent[] = [];
    let found = false;
    for (const [id, e] of this.cache) {
      if (found) out.push(e);
      else found = id === entry;
    }
    return out;
  }

  /** True once `entry` has been delivered (within `timeout` ms and the same epoch). */
  readPast(entry: string, timeout: number): Promise<boolean> {
    const epoch = this.epoch;
    return new Promise((resolve) => {
      const check = () => {
        if (!this.running || this.epoch !== epoch) finish(false);
        else if (compareEntryIds(this.lastRead, entry) >= 0) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeout);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.progress = this.progress.filter((w) => w !== check);
        resolve(ok);
      };
      this.progress.push(check);
      check();
    });
  }

  private async run(): Promise<void> {
    const { link, reader, cmd, keys } = this.o;
    while (this.running) {
      if (!link.ready && !(await link.whenReady())) break;
      try {
        if (this.stale) await this.resync();
        if (this.stale) continue;
        const entries = await this.readAfter(keys.stream, this.lastRead, READ_COUNT);
        this.lastError = '';
        if (entries === null) await this.rebuild(await this.o.publisher.ensureEpoch(), 'trimmed');
        else if (entries.length > 0) this.deliver(entries);
        // Caught up: wait for the next entry, then read it above.
        else if (!(await reader.xread('COUNT', 1, 'BLOCK', this.o.block, 'STREAMS', keys.stream, this.lastRead))) {
          // Idle: a FLUSHALL while we were blocked leaves new ids that may sort before ours.
          if ((await cmd.get(keys.epoch)) !== this.epoch) this.stale = true;
        }
      } catch (err) {
        if (!this.running) break;
        this.stale = true;
        // A connection error waits for the link above; anything else must not spin.
        if (link.ready) {
          const message = (err as Error).message;
          if (message !== this.lastError) this.o.logger.warn({ err: message }, 'reading the redis stream failed; retrying');
          this.lastError = message;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }
  }

  private deliver(entries: RawEntry[]): void {
    for (const raw of entries) {
      const d = decodeEntry(raw, this.encode);
      if (d && d.epoch !== this.epoch) {
        // A new epoch began: stop here; resync resets everyone from it.
        this.stale = true;
        break;
      }
      this.lastRead = raw[0];
      if (!d?.event) continue;
      this.remember(raw[0], d.event);
      this.o.onEvent(d.event);
    }
    this.wake();
  }

  /**
   * Makes this instance agree with Redis. If its epoch and last entry are still
   * there, reading simply resumes (gap-free; READ_AFTER checks again on every
   * read); otherwise it rebuilds.
   */
  private async resync(): Promise<void> {
    const { cmd, keys, publisher } = this.o;
    const epoch = await publisher.ensureEpoch();
    if (epoch === this.epoch && (await cmd.xrange(keys.stream, this.lastRead, this.lastRead)).length > 0) {
      this.stale = false;
      return;
    }
    await this.rebuild(epoch, 'epoch');
  }

  /**
   * Reads back the newest entries of `epoch` and has onReset rebuild everything
   * from them: every client gets a reset snapshot. `why`: a new epoch, or our
   * position was trimmed within the same one (events we never read are gone).
   */
  private async rebuild(epoch: string, why: 'epoch' | 'trimmed'): Promise<void> {
    const { cmd, keys, logger } = this.o;
    const mine: DecodedEntry[] = [];
    for (const raw of (await cmd.xrevrange(keys.stream, '+', '-', 'COUNT', this.o.warm)) as RawEntry[]) {
      const d = decodeEntry(raw);
      if (!d) continue;
      if (d.epoch !== epoch) break;
      mine.push(d);
    }
    // Empty only if yet another epoch began meanwhile: the loop tries again.
    if (mine.length === 0) return;
    mine.reverse();
    const recent = mine.slice(1).flatMap((d) => (d.event ? [d.event] : []));
    if (why === 'trimmed' && epoch === this.epoch) {
      logger.warn({ after: this.lastRead, cap: this.o.warm }, 'fell behind the redis stream cap: entries were trimmed before this instance read them; clients get a reset snapshot');
    } else if (this.epoch !== '0') logger.warn({ from: this.epoch, to: epoch }, 'redis stream reset: new epoch, clients get a reset snapshot');
    this.epoch = epoch;
    this.lastRead = mine[mine.length - 1].id;
    this.cache.clear();
    for (const d of mine) if (d.event) this.remember(d.id, d.event);
    this.stale = false;
    this.o.onReset({ epoch, fromId: `${epoch}-${mine[0].id}`, recent });
    this.wake();
  }

  private remember(entry: string, e: HubEvent): void {
    const had = this.cache.get(entry);
    if (had) this.cacheBytes -= frameBytes(had);
    const slim = forReplay(e);
    this.cache.set(entry, slim);
    this.cacheBytes += frameBytes(slim);
    const maxBytes = this.o.maxBytes ?? Infinity;
    while (this.cache.size > this.o.warm || (this.cache.size > 1 && this.cacheBytes > maxBytes)) {
      const [oldest, old] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      this.cacheBytes -= frameBytes(old);
    }
  }

  private wake(): void {
    for (const w of [...this.progress]) w();
  }
}
