import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Hub } from './hub/hub.js';
import { MemoryHub } from './hub/memory-hub.js';
import { RedisHub } from './hub/redis/redis-hub.js';

/*
 * What each --role does:
 * - standalone: samples this host and serves clients, through Redis if REDIS_URL is set;
 * - agent: samples this host and publishes to Redis; serves only /healthz and /readyz;
 * - server: serves clients from Redis and samples nothing.
 * parseConfig guarantees agent and server have a Redis URL.
 */

/** The embedded MemoryHub, or with a Redis URL a RedisHub that agents only publish to. */
export function createHub(config: Config, logger: Logger): Hub {
  if (!config.redisUrl) return new MemoryHub({ capacity: config.replay, maxBytes: config.replayBytes });
  return new RedisHub({ url: config.redisUrl, logger, maxlen: config.replay, maxBytes: config.replayBytes, read: config.role !== 'agent' });
}

export function samplesHost(config: Config): boolean {
  return config.role !== 'server';
}

export function servesClients(config: Config): boolean {
  return config.role !== 'agent';
}
