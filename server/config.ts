import os from 'node:os';
import { z } from 'zod';
import { SourceName } from '../shared/schema.js';
import { metricWord } from './sources/metric-name.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const ms = (min: number, max: number) => int(min, max);

/** A token is compared in constant time and never logged; spaces and controls would not survive a header. */
const secret = z
  .string()
  .min(16, 'must be at least 16 characters')
  .max(512, 'must be at most 512 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII without spaces');

/** Goes verbatim into a header: only CSP source expressions, never ';', ',' or a newline. */
const frameAncestors = z
  .string()
  .trim()
  .regex(
    /^(?:'self'|'none'|\*|https?:\/\/(?:\*\.)?[A-Za-z0-9.-]+(?::\d{1,5})?)(?: +(?:'self'|https?:\/\/(?:\*\.)?[A-Za-z0-9.-]+(?::\d{1,5})?))*$/,
    "must be 'self', 'none', * or space-separated origins such as https://intranet.example.com",
  );

const corsOrigins = z
  .string()
  .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
  .pipe(
    z.array(
      z.string().regex(/^(?:\*|https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?)$/, 'each origin must be * or scheme://host[:port], e.g. https://ops.example.com'),
    ),
  );

/**
 * Every setting, once: its flag, env variable, default and rule. --help, the
 * README table and validation all come from this list.
 */
export const SETTINGS = {
  port: { env: 'PORT', help: 'TCP port to listen on (0: any free port)', schema: int(0, 65535).default(8080) },
  host: { env: 'HOST', help: 'address to listen on', schema: z.string().min(1).default('127.0.0.1') },
  interval: { env: 'INTERVAL', help: 'sampling interval of host/process/http, ms', schema: ms(100, 3_600_000).default(1000) },
  window: { env: 'WINDOW', help: 'span of every sliding window, ms', schema: ms(1000, 86_400_000).default(60_000) },
  history: { env: 'HISTORY', help: 'points of history per metric sent on connect', schema: int(2, 10_000).default(300) },
  trendThreshold: { env: 'TREND_THRESHOLD', help: 'relative change over the window that counts as rising/falling', schema: z.coerce.number().min(0).max(100).default(0.1) },
  heartbeat: { env: 'HEARTBEAT', help: 'keep-alive comment interval, ms (0: off)', schema: ms(0, 600_000).default(15_000) },
  retry: { env: 'RETRY', help: 'reconnect delay suggested to clients, ms (jittered)', schema: ms(100, 600_000).default(2000) },
  replay: { env: 'REPLAY', help: 'events kept for Last-Event-ID replay', schema: int(16, 1_000_000).default(4096) },
  maxClients: { env: 'MAX_CLIENTS', help: 'concurrent stream clients before 503', schema: int(1, 1_000_000).default(10_000) },
  clientBuffer: { env: 'CLIENT_BUFFER', help: 'unsent bytes per client before it is cut off', schema: int(1024, 1 << 30).default(1 << 20) },
  maxSeries: { env: 'MAX_SERIES', help: 'distinct metrics held (cardinality cap)', schema: int(1, 1_000_000).default(1000) },
  diskUsageInterval: { env: 'DISK_USAGE_INTERVAL', help: 'disk usage refresh, ms (0: off)', schema: ms(0, 3_600_000).default(30_000) },
  source: { env: 'SOURCE', help: 'name of this instance in every event (default: hostname)', schema: z.optional(SourceName) },
  role: { env: 'ROLE', help: 'standalone (sample and serve), agent (sample and publish to Redis) or server (serve from Redis)', schema: z.enum(['standalone', 'agent', 'server']).default('standalone') },
  redisUrl: { env: 'REDIS_URL', help: 'redis:// URL; when set, events go through a Redis stream shared by every instance', schema: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL').optional() },
  logLevel: { env: 'LOG_LEVEL', help: 'fatal, error, warn, info, debug, trace or silent', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') },
  ingest: { env: 'INGEST', help: 'POST api/ingest: auto (on when INGEST_TOKEN is set), on (INGEST_TOKEN required) or off', schema: z.enum(['auto', 'on', 'off']).default('auto') },
  ingestToken: { env: 'INGEST_TOKEN', help: 'bearer token that ingest requires (secret, >= 16 visible characters)', schema: secret.optional() },
  readToken: { env: 'READ_TOKEN', help: 'token that page, stream, snapshot, channels and metrics require (unset: open)', schema: secret.optional() },
  frameAncestors: { env: 'FRAME_ANCESTORS', help: "CSP frame-ancestors: who may embed the page ('self', 'none' or origins)", schema: frameAncestors.default("'self'") },
  corsOrigins: { env: 'CORS_ORIGINS', help: 'comma-separated origins allowed by CORS, or * (unset: CORS off)', schema: corsOrigins.default([]) },
  bodyLimit: { env: 'BODY_LIMIT', help: 'largest ingest body, bytes (413 above)', schema: int(256, 64 << 20).default(1 << 20) },
  maxMetricsPerRequest: { env: 'MAX_METRICS_PER_REQUEST', help: 'metrics in one ingest request (413 above)', schema: int(1, 100_000).default(1000) },
  ingestRate: { env: 'INGEST_RATE', help: 'ingest requests per second, bursts up to one second of it (0: no limit)', schema: int(0, 1_000_000).default(100) },
  ingestMaxSkew: { env: 'INGEST_MAX_SKEW', help: 'how far a sample time may be from server time, ms', schema: ms(1000, 86_400_000).default(300_000) },
  dashboards: { env: 'DASHBOARDS', help: 'JSON file of dashboards: sections, tiles and levels (unset: the built-in ones; SIGHUP reloads it)', schema: z.string().min(1).max(4096).optional() },
  ingestCoalesce: { env: 'INGEST_COALESCE', help: 'app ticks of one source are merged over this span, ms (0: one per request)', schema: ms(0, 60_000).default(100) },
} as const;

const SECRETS = new Set<string>(['ingestToken', 'readToken']);

type Settings = typeof SETTINGS;
export type ConfigInput = { [K in keyof Settings]?: z.input<Settings[K]['schema']> };
export type Config = Readonly<{ [K in keyof Settings]: z.output<Settings[K]['schema']> } & { source: string; /** 'auto' is resolved at parse time. */ ingest: 'on' | 'off' }>;

export class ConfigError extends Error {}

const flagOf = (key: string) => '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** The hostname as a valid source name. */
export function defaultSource(): string {
  return metricWord(os.hostname()).replace(/_/g, '-') || 'local';
}

/**
 * Parses settings once, into a frozen object: explicit overrides win over flags,
 * flags over env, env over defaults. A bad value throws ConfigError with one line
 * naming the setting and what is allowed.
 */
export function parseConfig(overrides: ConfigInput = {}, env: NodeJS.ProcessEnv = {}, argv: string[] = []): Config {
  const flags = parseFlags(argv);
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS)) {
    const raw = (overrides as Record<string, unknown>)[key] ?? flags.get(key) ?? env[s.env] ?? undefined;
    const r = (s.schema as z.ZodType).safeParse(raw === '' ? undefined : raw);
    if (!r.success) {
      const why = r.error.issues[0]?.message ?? 'invalid';
      // A token is never echoed, not even a malformed one: it may be a real secret with a typo.
      const shown = SECRETS.has(key) ? '<hidden>' : JSON.stringify(raw);
      throw new ConfigError(`invalid setting ${flagOf(key)} (${s.env}=${shown}): ${why}`);
    }
    out[key] = r.data;
  }
  out.source ??= defaultSource();
  checkTokens(out);
  if (out.role !== 'standalone' && !out.redisUrl) {
    throw new ConfigError(`--role ${out.role} needs Redis: set REDIS_URL (or --redis-url), e.g. redis://127.0.0.1:6379`);
  }
  return Object.freeze(out) as Config;
}

/** Cross-field rules of ingest and tokens; resolves ingest 'auto' to on or off. */
function checkTokens(out: Record<string, unknown>): void {
  if (out.ingest === 'on' && !out.ingestToken) {
    throw new ConfigError('ingest is on (INGEST=on) but INGEST_TOKEN is not set: set INGEST_TOKEN to a secret of at least 16 characters, or INGEST=off');
  }
  if (out.ingest === 'auto') out.ingest = out.ingestToken ? 'on' : 'off';
  if (out.readToken && out.readToken === out.ingestToken) {
    // The read token travels in URLs (?token= for EventSource) and ends up in proxy logs.
    throw new ConfigError('READ_TOKEN must differ from INGEST_TOKEN: the read token travels in URLs, so it must not grant writing');
  }
}

function parseFlags(argv: string[]): Map<string, string> {
  const byFlag = new Map(Object.keys(SETTINGS).map((k) => [flagOf(k), k]));
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--help' || flag === '-h') continue;
    const key = byFlag.get(flag);
    if (!key) throw new ConfigError(`unknown option ${JSON.stringify(flag)}; see --help`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`option ${flag} needs a value; see --help`);
    flags.set(key, value);
  }
  return flags;
}

export function helpText(): string {
  const rows = Object.entries(SETTINGS).map(([k, s]) => {
    const d = (s.schema as z.ZodType).safeParse(undefined);
    const def = d.success && d.data !== undefined ? String(d.data) : k === 'source' ? 'hostname' : '';
    return `  ${(flagOf(k) + ' <v>').padEnd(26)} ${s.env.padEnd(20)} ${s.help}${def ? ` [${def}]` : ''}`;
  });
  return ['Usage: vigil [options]', '', 'Every option can also be set by its environment variable.', '', ...rows, '  --help, -h                 show this help'].join('\n');
}
