import os from 'node:os';
import { z } from 'zod';
import { SourceName } from '../shared/schema.js';
import { metricWord } from './sources/metric-name.js';
import { ScrapeTargets } from './sources/scrape/target-spec.js';

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

/** The URL with anything before its last '@' hidden: works on URLs too broken to parse. */
export function hideUserinfo(url: string): string {
  return url.replace(/^([^/]*\/\/)[^]*@/, '$1***@');
}

/** Checked whole here, so ioredis never meets a URL it would throw on (with the password in the error). */
const redisUrl = z.string().superRefine((s, ctx) => {
  const problem = redisUrlProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: `${problem}, e.g. redis://:password@10.0.0.5:6379/0` });
});

function redisUrlProblem(s: string): string | null {
  let u: URL;
  try {
    u = new URL(s);
    decodeURIComponent(u.username);
    decodeURIComponent(u.password);
  } catch {
    return 'must be a valid URL (a password with reserved characters must be percent-encoded)';
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return 'must be a redis:// or rediss:// URL';
  if (!u.hostname) return 'must name a host';
  if (!/^\/?(\d{1,5})?$/.test(u.pathname)) return 'the path may only be a database number';
  return null;
}

const corsOrigins = z
  .string()
  .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
  .pipe(
    z.array(
      z.string().regex(/^(?:\*|https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?)$/, 'each origin must be * or scheme://host[:port], e.g. https://ops.example.com'),
    ),
  );

/** Loopback, traffic shapers, container and VM plumbing: their bytes are counted again on a real interface. */
const DEFAULT_NET_EXCLUDE = 'lo,ifb*,veth*,docker*,br-*,virbr*,vnet*,cali*,flannel*,cni*,lxc*,kube-ipvs*,dummy*';
const netExclude = z
  .string()
  .transform((s) => (s.trim() === 'none' ? [] : s.split(',').map((g) => g.trim()).filter(Boolean)))
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_.:@*?-]{1,64}$/, 'each glob must be 1-64 characters of an interface name or * ?, e.g. veth*')));

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
  replayBytes: { env: 'REPLAY_BYTES', help: 'bytes of events kept for replay (the oldest go first past it): in memory, and about as many in the Redis stream', schema: int(1 << 16, 1 << 30).default(32 << 20) },
  maxClients: { env: 'MAX_CLIENTS', help: 'concurrent stream clients before 503', schema: int(1, 1_000_000).default(10_000) },
  clientBuffer: { env: 'CLIENT_BUFFER', help: 'unsent bytes per client before it is cut off', schema: int(1024, 1 << 30).default(1 << 20) },
  clientStall: { env: 'CLIENT_STALL', help: 'ms a client may go without its socket draining before it is cut off (0: off)', schema: ms(0, 3_600_000).default(30_000) },
  maxSeries: { env: 'MAX_SERIES', help: 'distinct metrics held (cardinality cap)', schema: int(1, 1_000_000).default(1000) },
  netExclude: { env: 'NET_EXCLUDE', help: 'network interfaces left out of host.net.*, comma-separated globs, or none (default: loopback and virtual ones)', schema: netExclude.prefault(DEFAULT_NET_EXCLUDE) },
  diskUsageInterval: { env: 'DISK_USAGE_INTERVAL', help: 'disk usage refresh, ms (0: off)', schema: ms(0, 3_600_000).default(30_000) },
  source: { env: 'SOURCE', help: 'name of this instance in every event', schema: z.optional(SourceName) },
  role: { env: 'ROLE', help: 'standalone (sample and serve), agent (sample and publish to Redis) or server (serve from Redis)', schema: z.enum(['standalone', 'agent', 'server']).default('standalone') },
  redisUrl: { env: 'REDIS_URL', help: 'redis:// URL; when set, events go through a Redis stream shared by every instance', schema: redisUrl.optional() },
  logLevel: { env: 'LOG_LEVEL', help: 'fatal, error, warn, info, debug, trace or silent', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') },
  ingest: { env: 'INGEST', help: 'POST api/ingest: auto (on when INGEST_TOKEN is set), on (INGEST_TOKEN required) or off', schema: z.enum(['auto', 'on', 'off']).default('auto') },
  ingestToken: { env: 'INGEST_TOKEN', help: 'bearer token that ingest requires (secret, >= 16 visible characters)', schema: secret.optional() },
  readToken: { env: 'READ_TOKEN', help: 'token that page, stream, snapshot, channels and metrics require (unset: open)', schema: secret.optional() },
  frameAncestors: { env: 'FRAME_ANCESTORS', help: "CSP frame-ancestors: who may embed the page ('self', 'none' or origins)", schema: frameAncestors.default("'self'") },
  corsOrigins: { env: 'CORS_ORIGINS', help: 'comma-separated origins allowed by CORS, or * (unset: CORS off)', schema: corsOrigins.default([]) },
  bodyLimit: { env: 'BODY_LIMIT', help: 'largest ingest body, bytes (413 above)', schema: int(256, 64 << 20).default(1 << 20) },
  bodyTimeout: { env: 'BODY_TIMEOUT', help: 'ms a request body may take to arrive whole (408 past it)', schema: ms(100, 600_000).default(10_000) },
  maxMetricsPerRequest: { env: 'MAX_METRICS_PER_REQUEST', help: 'metrics in one ingest request (413 above)', schema: int(1, 100_000).default(1000) },
  ingestRate: { env: 'INGEST_RATE', help: 'ingest requests per second, bursts up to one second of it (0: no limit)', schema: int(0, 1_000_000).default(100) },
  ingestMaxSkew: { env: 'INGEST_MAX_SKEW', help: 'how far a sample time may be from server time, ms', schema: ms(1000, 86_400_000).default(300_000) },
  dataDir: { env: 'DATA_DIR', help: 'where tiers are kept across restarts (standalone without Redis; empty: off)', schema: z.string().max(4096).default('data') },
  persistInterval: { env: 'PERSIST_INTERVAL', help: 'how often the tiers are written to DATA_DIR, ms', schema: ms(100, 3_600_000).default(10_000) },
  dashboards: { env: 'DASHBOARDS', help: 'JSON file of dashboards: sections, tiles and levels (unset: the built-in ones; SIGHUP reloads it)', schema: z.string().min(1).max(4096).optional() },
  ingestCoalesce: { env: 'INGEST_COALESCE', help: 'app ticks of one source are merged over this span, ms (0: one per request)', schema: ms(0, 60_000).default(100) },
  scrape: { env: 'SCRAPE', help: 'Prometheus/OpenMetrics endpoint to read, URL[;name=SOURCE][;match=GLOB|GLOB][;interval=MS][;timeout=MS] (flag repeatable; env comma-separated)', schema: ScrapeTargets.default([]) },
  scrapeMaxSeries: { env: 'SCRAPE_MAX_SERIES', help: 'series one scrape target may hold; the rest are left out', schema: int(1, 100_000).default(500) },
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
    // An empty value means the default, except for the data dir, where it turns persistence off.
    const r = (s.schema as z.ZodType).safeParse(raw === '' && key !== 'dataDir' ? undefined : raw);
    if (!r.success) {
      const why = r.error.issues[0]?.message ?? 'invalid';
      // A token is never echoed, not even a malformed one: it may be a real secret with a typo.
      // A scrape target's message names the target itself, without a URL's userinfo.
      if (key === 'scrape') throw new ConfigError(`invalid setting ${flagOf(key)} (${s.env}): ${why}`);
      const shown = SECRETS.has(key) ? '<hidden>' : JSON.stringify(key === 'redisUrl' && typeof raw === 'string' ? hideUserinfo(raw) : raw);
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

/** Settings whose flag may be given more than once (each adds a value). */
const REPEATABLE = new Set<string>(['scrape']);

/**
 * Flags and their values. Nothing the user passed is echoed unless it looks like a
 * flag: a stray argument may be a secret, e.g. the token after `--read-token $UNSET`.
 */
function parseFlags(argv: string[]): Map<string, string | string[]> {
  const byFlag = new Map(Object.keys(SETTINGS).map((k) => [flagOf(k), k]));
  const flags = new Map<string, string | string[]>();
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--help' || flag === '-h') continue;
    const key = byFlag.get(flag);
    if (!key) {
      const shown = /^--?[a-z][a-z0-9-]{0,40}$/i.test(flag) ? JSON.stringify(flag) : `at position ${i + 1} (not shown: it may be a secret)`;
      throw new ConfigError(`unknown option ${shown}; see --help`);
    }
    const value = inline ?? argv[++i];
    // `--read-token $UNSET --ingest-token $TOKEN`: the shell dropped the empty value, so the next flag is not a value.
    if (value === undefined || (inline === undefined && byFlag.has(value.split('=', 1)[0]))) {
      throw new ConfigError(`option ${flag} needs a value (an empty or unset variable?); see --help`);
    }
    const had = flags.get(key);
    flags.set(key, REPEATABLE.has(key) ? [...(Array.isArray(had) ? had : []), value] : value);
  }
  return flags;
}

export function helpText(): string {
  const entries = Object.entries(SETTINGS);
  // Columns as wide as their longest entry, so every row lines up.
  const flagWidth = Math.max(...entries.map(([k]) => flagOf(k).length + 4));
  const envWidth = Math.max(...entries.map(([, s]) => s.env.length));
  const rows = entries.map(([k, s]) => {
    const d = (s.schema as z.ZodType).safeParse(undefined);
    const def = d.success && d.data !== undefined ? String(d.data) : k === 'source' ? 'the hostname' : '';
    return `  ${(flagOf(k) + ' <v>').padEnd(flagWidth)}  ${s.env.padEnd(envWidth)}  ${s.help}${def ? ` [${def}]` : ''}`;
  });
  return ['Usage: vigil [options]', '', 'Every option can also be set by its environment variable.', '', ...rows, `  ${'--help, -h'.padEnd(flagWidth)}  show this help`].join('\n');
}
