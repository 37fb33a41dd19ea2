import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelName, StatusEvent, TickEvent } from '../../../shared/schema.js';
import { parseId } from '../event-id.js';
import type { Hub, HubEvent, HubListener, HubReset, Replay } from '../hub.js';
import { compareEntryIds, decodeEntry, type RawEntry } from './events.js';
import { RedisLease } from './lease.js';
import { RedisLink } from './link.js';
import { RedisPublisher, type RedisKeys } from './publisher.js';
import { RedisReader } from './reader.js';
import type { TickEncoder } from '../tick-json.js';

export interface RedisHubOptions {
  url: string;
  logger: Logger;
  /** Approximate length of the stream, which is also the replay window. */
  maxlen?: number;
  /** Read the stream and serve it; agents only publish. */
  read?: boolean;
  /** Prefix of the Redis keys, so several Vigils can share one Redis. */
  key?: string;
  /** Entries read back to warm the projection on start and on a reset (default: maxlen). */
  warm?: number;
  /** Publishes held in memory while Redis is away. */
  bufferMax?: number;
  /** Bytes the stream, the publishes held while Redis is away and the frame cache each hold at most (REPLAY_BYTES). */
  maxBytes?: number;
  /** XREAD BLOCK time; an idle read also checks that the epoch is unchanged, ms. */
  block?: number;
  /** How long the judging lease outlives its holder, ms (see RedisLease). */
  leaseTtl?: number;
}

/**
 * A hub on one Redis stream, shared by every instance. Publishers append through
 * RedisPublisher; each reading instance follows the stream with a RedisReader on
 * a connection of its own. Event ids are `<epoch>-<stream id>`, the same on every
 * instance, so a client may resume anywhere; replay reads the stream (XRANGE) up
 * to what this instance has delivered live, so the two never overlap, or while
 * Redis is unreachable the events this instance read.
 */
export class RedisHub implements Hub {
  private readonly keys: RedisKeys;
  private readonly link: RedisLink;
  private readonly cmd: Redis;
  private readonly publisher: RedisPublisher;
  private readonly reader: RedisReader | null;
  /** Which reading instance publishes check states (agents never do). */
  private readonly lease: RedisLease | null;
  private readonly listeners: HubListener[] = [];
  private readonly resetListeners: Array<(r: HubReset) => void> = [];
  private running = false;

  constructor(opts: RedisHubOptions) {
    const prefix = opts.key ?? 'vigil';
    const maxlen = opts.maxlen ?? 4096;
    this.keys = { stream: `${prefix}:events`, epoch: `${prefix}:epoch` };
    const block = opts.block ?? 2000;
    this.link = new RedisLink({ url: opts.url, logger: opts.logger, socketTimeout: Math.max(10_000, block + 5000) });
    this.cmd = this.link.open('vigil-cmd');
    this.publisher = new RedisPublisher(this.cmd, { keys: this.keys, maxlen, maxBytes: opts.maxBytes, bufferMax: opts.bufferMax, logger: opts.logger });
    this.reader =
      opts.read === false
        ? null
        : new RedisReader({
            keys: this.keys,
            link: this.link,
            reader: this.link.open('vigil-reader'),
            cmd: this.cmd,
            publisher: this.publisher,
            logger: opts.logger,
            warm: opts.warm ?? maxlen,
            maxBytes: opts.maxBytes,
            block,
            onEvent: (e) => {
              for (const l of this.listeners) l(e);
            },
            onReset: (r) => {
              for (const l of this.resetListeners) l(r);
            },
          });
    this.lease = this.reader ? new RedisLease(this.cmd, { key: `${prefix}:judge`, logger: opts.logger, ttl: opts.leaseTtl }) : null;
    this.link.onUp(() => {
      if (this.reader) this.reader.stale = true;
      this.publisher.flush();
    });
  }

  get epoch(): string {
    return this.reader?.epoch ?? '0';
  }

  lastId(): string {
    return `${this.epoch}-${this.reader?.lastRead ?? '0-0'}`;
  }

  ready(): boolean {
    return this.running && this.link.ready && !this.reader?.stale;
  }

  /** Publishes not yet in Redis (the buffer while Redis is away). */
  get buffered(): number {
    return this.publisher.buffered;
  }

  publish(channel: ChannelName, tick: TickEvent): void {
    if (this.running) this.publisher.publish(channel, JSON.stringify(tick));
  }

  encodeWith(encode: TickEncoder): void {
    if (this.reader) this.reader.encode = encode;
  }

  leads(): boolean {
    return this.lease?.held ?? false;
  }

  onLead(listener: (leads: boolean) => void): void {
    this.lease?.onChange(listener);
  }

  publishStatus(status: StatusEvent): void {
    if (this.running) this.publisher.publish('status', JSON.stringify(status));
  }

  subscribe(listener: HubListener): () => void {
    return add(this.listeners, listener);
  }

  onReset(listener: (reset: HubReset) => void): () => void {
    return add(this.resetListeners, listener);
  }

  async replay(lastEventId: string): Promise<Replay> {
    const id = parseId(lastEventId);
    const reader = this.reader;
    if (!id?.entry || !reader) return { kind: 'reset', reason: 'malformed' };
    const { epoch, entry } = id;
    if (epoch !== reader.epoch) return { kind: 'reset', reason: 'epoch' };
    // An id from an instance that read further than this one: wait for this reader.
    if (compareEntryIds(entry, reader.lastRead) > 0 && !(await reader.readPast(entry, 2000))) return { kind: 'reset', reason: 'future' };
    let raw: RawEntry[];
    try {
      raw = (await this.cmd.xrange(this.keys.stream, entry, reader.lastRead)) as RawEntry[];
    } catch {
      // Redis is away: what this instance read is still good, if it goes back far enough.
      const events = reader.eventsAfter(entry);
      return events ? { kind: 'events', events } : { kind: 'reset', reason: 'unavailable' };
    }
    if (epoch !== reader.epoch) return { kind: 'reset', reason: 'epoch' };
    // Trimming removes the oldest entries only: if the client's own entry is still there, so is all after it.
    if (raw[0]?.[0] !== entry) return { kind: 'reset', reason: 'too-old' };
    const events: HubEvent[] = [];
    for (const r of raw.slice(1)) {
      const cached = reader.cache.get(r[0]);
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
    await this.reader?.start();
    this.lease?.start();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    await this.lease?.stop();
    await this.publisher.drain();
    this.running = false;
    this.publisher.stop();
    await this.link.close();
    await this.reader?.stop();
    // Reset listeners are wiring (set once by createVigil) and stay; event listeners re-subscribe on start.
    this.listeners.length = 0;
  }
}

function add<T>(list: T[], item: T): () => void {
  list.push(item);
  return () => {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
  };
}
