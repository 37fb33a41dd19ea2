import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Takes the key when free, or extends it when it is ours; 1 when we hold it after the call. */
const TAKE_OR_KEEP = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

/** Deletes the key only if it is ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisLeaseOptions {
  key: string;
  logger: Logger;
  /** How long the lease lasts without renewal, ms; renewed every third of it. */
  ttl?: number;
}

type LeaseRedis = Redis & {
  vigilLeaseTake(key: string, id: string, ttl: number): Promise<number>;
  vigilLeaseRelease(key: string, id: string): Promise<number>;
};

/**
 * One holder among the instances sharing a Redis: who judges the dashboards'
 * checks, so that a state change is announced once, not once per server. The
 * holder renews it every ttl/3; when it stops (or loses Redis for a ttl) another
 * instance takes it within ttl/3 and announces every check in full. While Redis
 * cannot be asked, nobody here holds it (its publishes could not land anyway).
 */
export class RedisLease {
  private readonly id = randomBytes(8).toString('hex');
  private readonly ttl: number;
  private readonly conn: LeaseRedis;
  private timer: ReturnType<typeof setInterval> | null = null;
  private holding = false;
  private readonly listeners: Array<(held: boolean) => void> = [];

  constructor(conn: Redis, private readonly opts: RedisLeaseOptions) {
    this.ttl = opts.ttl ?? 3000;
    conn.defineCommand('vigilLeaseTake', { numberOfKeys: 1, lua: TAKE_OR_KEEP });
    conn.defineCommand('vigilLeaseRelease', { numberOfKeys: 1, lua: RELEASE });
    this.conn = conn as LeaseRedis;
  }

  get held(): boolean {
    return this.holding;
  }

  /** Called with true when this instance takes the lease and false when it loses it. */
  onChange(listener: (held: boolean) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.ttl / 3)));
    this.timer.unref?.();
    void this.renew();
  }

  /** Gives the lease up at once, so another instance need not wait for it to expire. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const was = this.holding;
    this.set(false);
    if (was) await this.conn.vigilLeaseRelease(this.opts.key, this.id).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    let held = false;
    try {
      held = (await this.conn.vigilLeaseTake(this.opts.key, this.id, this.ttl)) === 1;
    } catch {
      // Redis away or slow: the lease may run out meanwhile; do not act as its holder.
    }
    if (this.timer) this.set(held);
  }

  private set(held: boolean): void {
    if (held === this.holding) return;
    this.holding = held;
    this.opts.logger.info({ lease: this.opts.key }, held ? 'judging checks (lease taken)' : 'not judging checks (lease lost)');
    for (const l of this.listeners) l(held);
  }
}
