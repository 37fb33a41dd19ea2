import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelName, TickEvent } from '../shared/schema.js';
import { parseId } from './event-id.js';
import type { Hub, HubEvent, HubListener, HubReset, Replay } from './hub.js';
import { compareEntryIds, decodeEntry, type DecodedEntry, type RawEntry } from './redis-events.js';
import { RedisLink } from './redis-link.js';
import { RedisPublisher, type RedisKeys } from './redis-publisher.js';

export interface RedisHubOptions {
  url: string;
  logger: Logger;
  /** Approximate length of the stream, which is also the replay window. */
  maxlen?: number;
  /** Read the stream and serve it; agents only publish. */
  read?: boolean;
  /** Prefix of the Redis keys, so several Vigils can share one Redis. */
  key?: string;
  /** Entries read back to warm the projection on start and on a reset. */
  warm?: number;
  /** Publishes held in memory while Redis is away. */
  bufferMax?: number;
  /** XREAD BLOCK time; an idle read also checks that the epoch is unchanged, ms. */
  block?: number;
}

/**
 * A hub on one Redis stream, shared by every instance. Publishers append through
 * RedisPublisher; each reading instance follows the stream with XREAD BLOCK on a
 * connection of its own and builds each event's frame once as it reads the entry.
 * Event ids are `<epoch>-<stream id>`, the same on every instance, so a client may
 * resume anywhere; replay reads the stream (XRANGE), up to what this instance has
 * delivered live, so the two never overlap.
 */
export class RedisHub implements Hub {
  private currentEpoch = '0';
  /** The last entry delivered to listeners (or the epoch boundary). */
  private lastRead = '0-0';
  private readonly keys: RedisKeys;
  private readonly link: RedisLink;
  private readonly cmd: Redis;
  private readonly reader: Redis | null;
  private readonly publisher: RedisPublisher;
  private readonly listeners: HubListener[] = [];
  private readonly resetListeners: Array<(r: HubReset) => void> = [];
  private readonly cache = new Map<string, HubEvent>();
  private progress: Array<() => void> = [];
  private running = false;
  private needResync = true;
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: RedisHubOptions) {
    const prefix = opts.key ?? 'vigil';
    this.keys = { stream: `${prefix}:events`, epoch: `${prefix}:epoch` };
    this.link = new RedisLink({ url: opts.url, logger: opts.logger });
    this.cmd = this.link.open('vigil-cmd');
    this.reader = opts.read === false ? null : this.link.open('vigil-reader');
    this.publisher = new RedisPublisher(this.cmd, { keys: this.keys, maxlen: this.maxlen, bufferMax: opts.bufferMax, logger: opts.logger });
    this.link.onUp(() => {
      this.needResync = true;
      this.publisher.flush();
    });
  }

  private get maxlen(): number {
    return this.opts.maxlen ?? 4096;
  }

  get epoch(): string {
    return this.currentEpoch;
  }

  lastId(): string {
    return `${this.currentEpoch}-${this.lastRead}`;
  }

  ready(): boolean {
    return this.running && this.link.ready && (!this.reader || !this.needResync);
  }

  /** Publishes not yet in Redis (the buffer while Redis is away). */
  get buffered(): number {
    return this.publisher.buffered;
  }

  publish(channel: ChannelName, tick: TickEvent): void {
    if (this.running) this.publisher.publish(channel, JSON.stringify(tick));
  }

  subscribe(listener: HubListener): () => void {
    return add(this.listeners, listener);
  }

  onReset(listener: (reset: HubReset) => void): () => void {
    return add(this.resetListeners, listener);
  }

  async replay(lastEventId: string): Promise<Replay> {
    const id = parseId(lastEventId);
    if (!id?.entry) return { kind: 'reset', reason: 'malformed' };
    const { epoch, entry } = id;
    if (epoch !== this.currentEpoch) return { kind: 'reset', reason: 'epoch' };
    // An id from an instance that read further than this one: wait for this reader.
    if (compareEntryIds(entry, this.lastRead) > 0 && !(await this.readPast(entry, 2000))) return { kind: 'reset', reason: 'future' };
    const end = this.lastRead;
    let raw: RawEntry[];
    try {
      raw = (await this.cmd.xrange(this.keys.stream, entry, end)) as RawEntry[];
    } catch {
      return { kind: 'reset', reason: 'unavailable' };
    }
    if (epoch !== this.currentEpoch) return { kind: 'reset', reason: 'epoch' };
    // Trimming removes the oldest entries only: if the client's own entry is still there, so is all after it.
    if (raw[0]?.[0] !== entry) return { kind: 'reset', reason: 'too-old' };
    const events: HubEvent[] = [];
    for (const r of raw.slice(1)) {
      const cached = this.cache.get(r[0]);
      const d = cached ? null : decodeEntry(r);
      if (d && d.epoch !== epoch) return { kind: 'reset', reason: 'epoch' };
      const e = cached ?? d?.event;
      if (e) events.push(e);
    }
    return { kind: 'events', events };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.link.connect();
    if (!this.reader) return;
    if (this.link.ready) await this.resync().catch(() => {});
    this.loop = this.readLoop();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    await this.publisher.drain();
    this.running = false;
    this.publisher.stop();
    await this.link.close();
    await this.loop;
    this.loop = null;
    // Reset listeners are wiring (set once by createVigil) and stay; event listeners re-subscribe on start.
    this.listeners.length = 0;
    this.wake();
  }

  private async readLoop(): Promise<void> {
    const reader = this.reader!;
    while (this.running) {
      if (!this.link.ready && !(await this.link.whenReady())) break;
      try {
        if (this.needResync) await this.resync();
        if (this.needResync) continue;
        const res = (await reader.xread('COUNT', 1000, 'BLOCK', this.opts.block ?? 2000, 'STREAMS', this.keys.stream, this.lastRead)) as Array<[string, RawEntry[]]> | null;
        if (res) this.deliver(res[0][1]);
        // Idle: a FLUSHALL while we were blocked leaves new ids that may sort before ours.
        else if ((await this.cmd.get(this.keys.epoch)) !== this.currentEpoch) this.needResync = true;
      } catch (err) {
        if (!this.running) break;
        this.needResync = true;
        // A connection error waits for the link above; anything else must not spin.
        if (this.link.ready) {
          this.opts.logger.warn({ err: (err as Error).message }, 'reading the redis stream failed; retrying');
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }
  }

  private deliver(entries: RawEntry[]): void {
    for (const raw of entries) {
      const d = decodeEntry(raw);
      if (d && d.epoch !== this.currentEpoch) {
        // A new epoch began: stop here, resync resets everyone from it.
        this.needResync = true;
        break;
      }
      this.lastRead = raw[0];
      if (!d?.event) continue;
      this.remember(raw[0], d.event);
      for (const l of this.listeners) l(d.event);
    }
    this.wake();
  }

  /**
   * Makes this instance agree with Redis after start, a reconnect or a new epoch.
   * If its epoch and last entry are still there, reading simply resumes (gap-free);
   * otherwise the newest entries of the current epoch are read back and every
   * reset listener rebuilds from them.
   */
  private async resync(): Promise<void> {
    const epoch = await this.publisher.ensureEpoch();
    if (epoch === this.currentEpoch && (await this.cmd.xrange(this.keys.stream, this.lastRead, this.lastRead)).length > 0) {
      this.needResync = false;
      return;
    }
    const mine: DecodedEntry[] = [];
    for (const raw of (await this.cmd.xrevrange(this.keys.stream, '+', '-', 'COUNT', this.opts.warm ?? this.maxlen)) as RawEntry[]) {
      const d = decodeEntry(raw);
      if (!d) continue;
      if (d.epoch !== epoch) break;
      mine.push(d);
    }
    // Empty only if yet another epoch began meanwhile: the loop tries again.
    if (mine.length === 0) return;
    mine.reverse();
    const recent = mine.slice(1).flatMap((d) => (d.event ? [d.event] : []));
    if (this.currentEpoch !== '0') this.opts.logger.warn({ from: this.currentEpoch, to: epoch }, 'redis stream reset: new epoch, clients get a reset snapshot');
    this.currentEpoch = epoch;
    this.lastRead = mine[mine.length - 1].id;
    this.cache.clear();
    for (const e of recent) this.remember(e.id.slice(epoch.length + 1), e);
    this.needResync = false;
    for (const l of this.resetListeners) l({ epoch, fromId: `${epoch}-${mine[0].id}`, recent });
    this.wake();
  }

  /** Keeps recent events so replays reuse their frames; bounded by the stream length. */
  private remember(entry: string, e: HubEvent): void {
    this.cache.set(entry, e);
    if (this.cache.size > this.maxlen) this.cache.delete(this.cache.keys().next().value!);
  }

  /** True once the reader has delivered `entry` (within `timeout` ms and the same epoch). */
  private readPast(entry: string, timeout: number): Promise<boolean> {
    const epoch = this.currentEpoch;
    return new Promise((resolve) => {
      const check = () => {
        if (!this.running || this.currentEpoch !== epoch) return finish(false);
        if (compareEntryIds(this.lastRead, entry) >= 0) finish(true);
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

  private wake(): void {
    for (const w of [...this.progress]) w();
  }
}

function add<T>(list: T[], item: T): () => void {
  list.push(item);
  return () => {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
  };
}
