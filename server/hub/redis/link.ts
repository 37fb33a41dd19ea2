import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisLinkOptions {
  url: string;
  logger: Logger;
  /** Longest wait between reconnect attempts, ms. */
  maxBackoff?: number;
  /**
   * A connection waiting this long for a reply is taken as dead and reconnected
   * (a half-open socket otherwise hangs until TCP keep-alive notices); must exceed
   * the XREAD BLOCK time, ms.
   */
  socketTimeout?: number;
}

/**
 * The connections of one Vigil to Redis and whether Redis is reachable. ioredis
 * reconnects by itself with our backoff; commands fail at once while it is away
 * (no unbounded offline queue: the publisher keeps its own bounded buffer), and
 * commands cut off by a drop are failed, not resent, so callers decide.
 * Outages are logged once when they start and once when they end, never per retry.
 */
export class RedisLink {
  private readonly conns: Redis[] = [];
  private down = false;
  private closed = false;
  /** One-shot waiters for the next time every connection is ready. */
  private waiters: Array<() => void> = [];
  private readonly upListeners: Array<() => void> = [];

  constructor(private readonly opts: RedisLinkOptions) {}

  /** A new connection; `name` shows in CLIENT LIST. Connects on first use or connect(). */
  open(name: string): Redis {
    const maxBackoff = this.opts.maxBackoff ?? 5000;
    const conn = new Redis(this.opts.url, {
      lazyConnect: true,
      connectionName: name,
      protocol: 2,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 3000,
      socketTimeout: this.opts.socketTimeout ?? 10_000,
      retryStrategy: (times) => Math.round(Math.min(maxBackoff, 50 * 2 ** Math.min(times, 10)) * (0.75 + Math.random() * 0.5)),
    });
    // Without a listener ioredis prints every failed attempt; the outage is logged once below.
    conn.on('error', (err: Error) => this.lost(err));
    conn.on('close', () => this.lost(null));
    conn.on('ready', () => this.maybeUp());
    this.conns.push(conn);
    return conn;
  }

  get ready(): boolean {
    return !this.closed && this.conns.length > 0 && this.conns.every((c) => c.status === 'ready');
  }

  /** Called each time every connection has become ready (first connect and every recovery). */
  onUp(listener: () => void): void {
    this.upListeners.push(listener);
  }

  /** Connects every connection; resolves when all are ready or after `timeout` ms (Redis may be down). */
  async connect(timeout = 3000): Promise<void> {
    for (const c of this.conns) c.connect().catch(() => {});
    if (this.ready) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeout);
      this.waiters.push(done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** Resolves once every connection is ready, or false when the link is closed first. */
  whenReady(): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => this.waiters.push(() => resolve(!this.closed)));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.conns) c.disconnect(false);
    for (const w of this.waiters.splice(0)) w();
  }

  private lost(err: Error | null): void {
    if (this.closed || this.down) return;
    // The first 'close' of a lazy connection that never opened is not an outage.
    if (!err && !this.conns.some((c) => c.status === 'reconnecting' || c.status === 'close' || c.status === 'end')) return;
    this.down = true;
    this.opts.logger.warn(
      { redis: redactUrl(this.opts.url), err: err?.message },
      'redis unreachable; reconnecting with backoff (streams stay open, publishes are buffered)',
    );
  }

  private maybeUp(): void {
    if (!this.ready) return;
    if (this.down) this.opts.logger.info({ redis: redactUrl(this.opts.url) }, 'redis reachable again');
    this.down = false;
    for (const w of this.waiters.splice(0)) w();
    for (const l of this.upListeners) l();
  }
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}
