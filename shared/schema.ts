import { z } from 'zod';

/*
 * The wire contract between the server and any client (the page, curl, other
 * programs). Types are inferred from these schemas and never written twice.
 *
 * Rules a client may rely on:
 * - A metric is identified by its `name` and the `source` that produced it;
 *   together they form a series key `name@source` (see seriesKey).
 * - Every stat is the sliding window of one series at time `t`: `v` is the last
 *   sample, `min`/`max`/`avg` cover the samples of the last `window` ms, `n` is
 *   how many samples that is, `trend` is the sign of the window's slope.
 * - Event ids order all events of a hub; an id carries the hub's epoch, and an id
 *   from another epoch is never compared, only answered with a snapshot.
 */

export const CHANNELS = ['host', 'process', 'http', 'app'] as const;
export const ChannelName = z.enum(CHANNELS);
export type ChannelName = z.infer<typeof ChannelName>;

export const METRIC_NAME_MAX = 128;
export const MetricName = z
  .string()
  .max(METRIC_NAME_MAX, `metric name must be at most ${METRIC_NAME_MAX} characters`)
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'metric name must be dotted words of [a-z0-9_], e.g. "app.tokens_per_s"');

/** A source is a host or instance name; it is shown to people and used in URLs. */
export const SourceName = z
  .string()
  .min(1, 'source must not be empty')
  .max(64, 'source must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'source must be letters, digits, "_", "." or "-"');

/** Units are short labels such as "%", "B/s", "ms"; never a control character. */
export const Unit = z
  .string()
  .max(16, 'unit must be at most 16 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/, 'unit must not contain control characters');

export const Trend = z.enum(['rising', 'falling', 'stable']);
export type Trend = z.infer<typeof Trend>;

export const Stat = z.object({
  v: z.number(),
  min: z.number(),
  max: z.number(),
  avg: z.number(),
  n: z.number().int().nonnegative(),
  trend: Trend,
  u: Unit,
});
export type Stat = z.infer<typeof Stat>;

/** One channel tick of one source: `event: <channel>` on the stream. */
export const TickEvent = z.object({
  t: z.number(),
  source: SourceName,
  values: z.record(MetricName, Stat),
});
export type TickEvent = z.infer<typeof TickEvent>;

export const MetricInfo = z.object({
  name: MetricName,
  unit: Unit,
  channel: ChannelName,
  source: SourceName,
});
export type MetricInfo = z.infer<typeof MetricInfo>;

/** Parallel arrays, oldest first, ready for uPlot. */
export const History = z.object({
  t: z.array(z.number()),
  v: z.array(z.number()),
});
export type History = z.infer<typeof History>;

export const StreamSettings = z.object({
  /** Sampling interval of the built-in channels, ms. */
  interval: z.number().positive(),
  /** Span of every sliding window, ms. */
  window: z.number().positive(),
  /** Points of history kept per series. */
  history: z.number().int().positive(),
  /** Interval of the keep-alive comment, ms (0 when off). */
  heartbeat: z.number().nonnegative(),
});
export type StreamSettings = z.infer<typeof StreamSettings>;

/** `event: snapshot`: the full state, sent first and whenever a gap cannot be replayed. */
export const Snapshot = z.object({
  /** True when this snapshot replaces events the client asked for but that cannot be replayed. */
  reset: z.boolean(),
  epoch: z.string(),
  t: z.number(),
  settings: StreamSettings,
  metrics: z.array(MetricInfo),
  /** Keyed by seriesKey(name, source). */
  history: z.record(z.string(), History),
  stats: z.record(z.string(), Stat),
});
export type Snapshot = z.infer<typeof Snapshot>;

export const ChannelInfo = z.object({
  name: ChannelName,
  sources: z.array(SourceName),
  metrics: z.number().int().nonnegative(),
});
/** Static facts of the instance that answers, read once at start. */
export const HostFacts = z.object({
  source: SourceName,
  hostname: z.string(),
  os: z.string(),
  kernel: z.string(),
  arch: z.string(),
  cpu: z.string(),
  cores: z.number().int().nonnegative(),
  /** Bytes. */
  memory: z.number().nonnegative(),
  node: z.string(),
});
export type HostFacts = z.infer<typeof HostFacts>;

export const ChannelsResponse = z.object({
  channels: z.array(ChannelInfo),
  /** Null until read at start. */
  host: HostFacts.nullable(),
});
export type ChannelsResponse = z.infer<typeof ChannelsResponse>;

export const ErrorBody = z.object({ error: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

export function seriesKey(name: string, source: string): string {
  return `${name}@${source}`;
}

/** A comma-separated list whose every item must pass `item`; empty means "all". */
function csvOf<T extends z.ZodType<string>>(item: T, what: string) {
  return z
    .string()
    .max(4096, `${what} list must be at most 4096 characters`)
    .transform((raw, ctx) => {
      const parts = raw.split(',').map((s) => s.trim()).filter(Boolean);
      for (const p of parts) {
        const r = item.safeParse(p);
        if (!r.success) {
          ctx.addIssue({ code: 'custom', message: `bad ${what} ${JSON.stringify(p.slice(0, 64))}: ${r.error.issues[0]?.message}` });
          return z.NEVER;
        }
      }
      return parts.length ? [...new Set(parts)] : undefined;
    });
}

const ChannelList = csvOf(
  z.string().refine((s) => (CHANNELS as readonly string[]).includes(s), `expected one of ${CHANNELS.join(', ')}`),
  'channel',
) as z.ZodType<ChannelName[] | undefined, string>;

/** Query of GET api/stream and api/snapshot. Unknown keys are ignored (curl users add their own). */
export const StreamQuery = z.object({
  channels: ChannelList.optional(),
  sources: csvOf(SourceName, 'source').optional(),
  /** For curl and the page's watchdog; a malformed id gets a snapshot, not an error. */
  lastEventId: z.string().optional().catch(undefined),
  token: z.unknown().optional(),
});
export type StreamQuery = z.infer<typeof StreamQuery>;

/*
 * POST api/ingest: metrics pushed by other programs, shown on the `app` channel.
 * Rules a producer may rely on:
 * - The body is one group `{ source?, metrics }` or an array of groups (a batch).
 *   `source` defaults to the receiving instance's own source name.
 * - `t` (ms since the epoch) defaults to the time of receipt; it orders samples in
 *   the window and must lie within the server's skew limit (INGEST_MAX_SKEW).
 * - Either the whole request is accepted (202) or nothing of it is recorded (4xx).
 * - Names of the built-in channels (`host.`, `process.`, `http.`) are reserved.
 */
export const RESERVED_PREFIXES = ['host.', 'process.', 'http.'] as const;

export const IngestMetric = z.object({
  name: MetricName.refine((n) => !RESERVED_PREFIXES.some((p) => n.startsWith(p)), `metric name must not start with ${RESERVED_PREFIXES.join(', ')} (reserved for built-in channels)`),
  // z.number() refuses NaN and ±Infinity (1e400 parses to Infinity); strings are not coerced.
  value: z.number({ error: (i) => (i.input === undefined ? 'value is required' : 'value must be a finite number') }),
  unit: Unit.optional(),
  t: z.number({ error: 't must be a number of ms since the epoch' }).int('t must be whole ms since the epoch').optional(),
});
export type IngestMetric = z.infer<typeof IngestMetric>;

export const IngestGroup = z.object({
  source: SourceName.optional(),
  metrics: z.array(IngestMetric).min(1, 'metrics must hold at least one metric'),
});
export type IngestGroup = z.infer<typeof IngestGroup>;

export const IngestBatch = z.array(IngestGroup).min(1, 'a batch must hold at least one group').max(1000, 'a batch holds at most 1000 groups');

/**
 * A group or a batch of groups; the server also caps the metrics per request.
 * Parse with `parseIngestBody` for messages that name the field (a plain union
 * only says "Invalid input").
 */
export const IngestBody = z.union([IngestGroup, IngestBatch]);
export type IngestBody = z.infer<typeof IngestBody>;

export const IngestAccepted = z.object({
  accepted: z.number().int().nonnegative(),
  sources: z.array(SourceName),
});
export type IngestAccepted = z.infer<typeof IngestAccepted>;

export function parseIngestBody(body: unknown): ReturnType<typeof IngestBatch.safeParse> | ReturnType<typeof IngestGroup.safeParse> {
  return Array.isArray(body) ? IngestBatch.safeParse(body) : IngestGroup.safeParse(body);
}
