import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { newEpoch } from '../event-id.js';

export interface RedisKeys {
  /** The one stream every instance reads. */
  stream: string;
  /** The current epoch; replaced whenever the stream is found missing. */
  epoch: string;
}

/**
 * Appends events, atomically with the epoch rules:
 * - a missing epoch key or a missing stream (Redis restarted empty, FLUSHALL,
 *   eviction) or a forced reset starts a new epoch, whose first entry is a marker;
 * - a batch already applied by this publisher (its reply lost in a disconnect) is
 *   not applied twice, so retries never duplicate events.
 * KEYS: stream, epoch key, this publisher's last-batch key.
 * ARGV: candidate epoch, force ('1'), maxlen, batch number (0: none), channel/data pairs.
 * Returns the epoch the batch was written in.
 */
const PUBLISH = `
local n = tonumber(ARGV[4])
if n > 0 and tonumber(redis.call('GET', KEYS[3]) or '0') >= n then
  return redis.call('GET', KEYS[2])
end
local e = redis.call('GET', KEYS[2])
if ARGV[2] == '1' or not e or redis.call('EXISTS', KEYS[1]) == 0 then
  e = ARGV[1]
  redis.call('SET', KEYS[2], e)
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'e', e)
end
if n > 0 then
  redis.call('SET', KEYS[3], ARGV[4], 'EX', 86400)
  for i = 5, #ARGV, 2 do
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'e', e, 'c', ARGV[i], 'd', ARGV[i + 1])
  end
end
return e
`;

type PublishScript = (stream: string, epochKey: string, batchKey: string, ...args: Array<string | number>) => Promise<string>;

interface Batch {
  no: number;
  force: boolean;
  items: string[];
}

export interface RedisPublisherOptions {
  keys: RedisKeys;
  /** Approximate cap of the stream (XADD MAXLEN ~), in entries. */
  maxlen: number;
  /**
   * Approximate cap of the stream in bytes (REPLAY_BYTES): MAXLEN is lowered to
   * what fits at the entries' recent size. Also the most bytes held while Redis
   * is away. A scrape target of 1,000 series writes ~130 KB an entry: 4096 of
   * them were over 500 MB of Redis memory, and as much read back on start.
   */
  maxBytes?: number;
  /** Events held while Redis is away; past it the oldest are dropped and the next write starts a new epoch. */
  bufferMax?: number;
  logger: Logger;
}

const BATCH_MAX = 500;

/**
 * Fire-and-forget publishing: events queue in memory (bounded) and go to Redis in
 * order, one script call in flight at a time, batching whatever queued meanwhile.
 * While Redis is away they wait; if more wait than the buffer holds, the oldest
 * are dropped and the next write forces a new epoch, so every reader resets its
 * clients with a snapshot instead of leaving a silent gap.
 */
export class RedisPublisher {
  private queue: string[] = [];
  private retry: Batch | null = null;
  private inFlight: Promise<void> | null = null;
  private overflowed = false;
  private batchNo = 0;
  private readonly batchKey: string;
  private readonly script: PublishScript;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastError = '';
  /** Characters of the data queued (JSON is mostly ASCII: about its bytes). */
  private queuedBytes = 0;
  /** Recent size of an entry's data (moving average), for MAXLEN. */
  private entryBytes = 0;
  dropped = 0;

  constructor(
    private readonly conn: Redis,
    private readonly opts: RedisPublisherOptions,
  ) {
    this.batchKey = `${opts.keys.stream}:publisher:${randomBytes(8).toString('hex')}`;
    conn.defineCommand('vigilPublish', { numberOfKeys: 3, lua: PUBLISH });
    this.script = (conn as unknown as { vigilPublish: PublishScript }).vigilPublish.bind(conn);
  }

  /** Events waiting for Redis. */
  get buffered(): number {
    return this.queue.length / 2 + (this.retry ? this.retry.items.length / 2 : 0);
  }

  publish(channel: string, data: string): void {
    this.queue.push(channel, data);
    this.queuedBytes += data.length;
    this.entryBytes = this.entryBytes ? this.entryBytes + (data.length - this.entryBytes) / 64 : data.length;
    const maxBytes = this.opts.maxBytes ?? Infinity;
    while (this.queue.length > 2 && (this.queue.length / 2 > (this.opts.bufferMax ?? 10_000) || this.queuedBytes > maxBytes)) {
      this.queuedBytes -= this.queue[1].length;
      this.queue.splice(0, 2);
      this.dropped++;
      this.overflowed = true;
    }
    this.flush();
  }

  /** The stream's MAXLEN now: `maxlen`, or fewer entries when their recent size would pass `maxBytes`. */
  get maxlen(): number {
    const { maxlen, maxBytes } = this.opts;
    if (!maxBytes || !this.entryBytes) return maxlen;
    return Math.max(16, Math.min(maxlen, Math.floor(maxBytes / this.entryBytes)));
  }

  /** The current epoch, creating it (and its marker) if Redis has none. */
  ensureEpoch(): Promise<string> {
    const { stream, epoch } = this.opts.keys;
    return this.script(stream, epoch, this.batchKey, newEpoch(), '0', this.maxlen, 0);
  }

  /** Sends what is queued if Redis is reachable; safe to call any time. */
  flush(): void {
    if (this.inFlight || this.conn.status !== 'ready') return;
    let batch = this.retry;
    if (!batch) {
      if (this.queue.length === 0) return;
      batch = { no: ++this.batchNo, force: this.overflowed, items: this.queue.splice(0, BATCH_MAX * 2) };
      for (let i = 1; i < batch.items.length; i += 2) this.queuedBytes -= batch.items[i].length;
      this.overflowed = false;
    }
    this.retry = batch;
    const { stream, epoch } = this.opts.keys;
    this.inFlight = this.script(stream, epoch, this.batchKey, newEpoch(), batch.force ? '1' : '0', this.maxlen, batch.no, ...batch.items).then(
      () => {
        this.retry = null;
        this.lastError = '';
        this.inFlight = null;
        this.flush();
      },
      (err: Error) => {
        // Kept as `retry` with its number: resent as is, and applied at most once.
        this.inFlight = null;
        if (this.conn.status === 'ready' && err.message !== this.lastError) {
          this.lastError = err.message;
          this.opts.logger.warn({ err: err.message }, 'publishing to redis failed; retrying');
        }
        if (this.conn.status === 'ready') this.retryLater();
      },
    );
  }

  /** Waits up to `timeout` ms for the queue to reach Redis (on stop). */
  async drain(timeout = 1000): Promise<void> {
    const until = Date.now() + timeout;
    while ((this.inFlight || this.buffered > 0) && this.conn.status === 'ready' && Date.now() < until) {
      this.flush();
      await (this.inFlight ?? new Promise((r) => setTimeout(r, 20)));
    }
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private retryLater(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, 1000);
    this.retryTimer.unref?.();
  }
}
