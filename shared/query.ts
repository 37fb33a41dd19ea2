// The stream's query parameters: parsed by the server only, kept out of the page's bundle.
import * as z from 'zod/mini';
import { CHANNELS, SPANS, SourceName, type ChannelName, type SpanName } from './schema.js';
import { DashboardName } from './dashboards.js';

/** A comma-separated list whose every item must pass `item`; empty means "all". */
function csvOf<T extends z.ZodMiniType<string, string>>(item: T, what: string) {
  return z.pipe(
    z.string().check(z.maxLength(4096, `${what} list must be at most 4096 characters`)),
    z.transform((raw: string, ctx) => {
      const parts = raw.split(',').map((s) => s.trim()).filter(Boolean);
      for (const p of parts) {
        const r = item.safeParse(p);
        if (!r.success) {
          ctx.issues.push({ code: 'custom', input: raw, message: `bad ${what} ${JSON.stringify(p.slice(0, 64))}: ${r.error.issues[0]?.message}` });
          return z.NEVER;
        }
      }
      return parts.length ? [...new Set(parts)] : undefined;
    }),
  );
}

/** What `?channels=` may list: the channels, and `status` (check state changes, which belong to no one channel). */
export type StreamChannel = ChannelName | 'status';
const STREAM_CHANNELS: readonly string[] = [...CHANNELS, 'status'];

const ChannelList = csvOf(
  z.string().check(z.refine((s) => STREAM_CHANNELS.includes(s), `expected one of ${STREAM_CHANNELS.join(', ')}`)),
  'channel',
) as unknown as z.ZodMiniType<StreamChannel[] | undefined, string>;

/** How many of the newest points per group a snapshot carries; more than the server keeps is clamped, not an error. */
const HistoryPoints = z.pipe(
  z.unknown(),
  z.transform((raw: unknown, ctx) => {
    if (typeof raw === 'string' && /^\d+$/.test(raw)) return Number(raw);
    const got = typeof raw === 'string' ? JSON.stringify(raw.slice(0, 32)) : 'a list';
    ctx.issues.push({ code: 'custom', input: raw, message: `expected a whole number of points per group, 0 or more (e.g. history=60), got ${got}` });
    return z.NEVER;
  }),
);

/** Stands for a `lastEventId` that is not one string; no hub can parse it, so it is answered with a reset. */
const MALFORMED_ID = 'malformed';

const Span = z.pipe(
  z.unknown(),
  z.transform((raw: unknown, ctx) => {
    if (typeof raw === 'string' && (SPANS as readonly string[]).includes(raw)) return raw as SpanName;
    const got = typeof raw === 'string' ? JSON.stringify(raw.slice(0, 32)) : 'a list';
    ctx.issues.push({ code: 'custom', input: raw, message: `expected span to be one of ${SPANS.join(', ')}, got ${got}` });
    return z.NEVER;
  }),
);

const Points = z.pipe(
  z.unknown(),
  z.transform((raw: unknown, ctx) => {
    if (typeof raw === 'string' && /^\d{1,5}$/.test(raw) && Number(raw) >= 1) return Number(raw);
    const got = typeof raw === 'string' ? JSON.stringify(raw.slice(0, 32)) : 'a list';
    ctx.issues.push({ code: 'custom', input: raw, message: `expected points to be a whole number from 1 to 99999 (e.g. points=120), got ${got}` });
    return z.NEVER;
  }),
);

/** `1`/`true` or `0`/`false` (an empty value, as in `?compact`, is true). */
const Flag = (name: string) =>
  z.pipe(
    z.unknown(),
    z.transform((raw: unknown, ctx) => {
      if (raw === '' || raw === '1' || raw === 'true') return true;
      if (raw === '0' || raw === 'false') return false;
      const got = typeof raw === 'string' ? JSON.stringify(raw.slice(0, 32)) : 'a list';
      ctx.issues.push({ code: 'custom', input: raw, message: `expected ${name} to be 1, true, 0 or false, got ${got}` });
      return z.NEVER;
    }),
  );

/** Query of GET api/stream and api/snapshot. Unknown keys are ignored (curl users add their own). */
export const StreamQuery = z.object({
  channels: z.optional(ChannelList),
  sources: z.optional(csvOf(SourceName, 'source')),
  /**
   * For curl and the page's watchdog; a malformed id gets a reset snapshot, not an
   * error. Given twice it is malformed too: the client asked to resume, so it must
   * learn (`reset: true`) that it did not.
   */
  lastEventId: z.optional(z.pipe(z.unknown(), z.transform((raw: unknown) => (typeof raw === 'string' ? raw : MALFORMED_ID)))),
  /** Newest points per group in the snapshot (default: all the server keeps). */
  history: z.optional(HistoryPoints),
  /** What the snapshot's points span (default 5m: the raw ticks). */
  span: z.optional(Span),
  /** Coarse spans: buckets are merged so that a group has at most this many points (default: the tier's own). */
  points: z.optional(Points),
  /** Compact ticks (see CompactTick): `values` as an array in the group's key order. The page asks for them. */
  compact: z.optional(Flag('compact')),
  token: z.optional(z.unknown()),
});
export type StreamQuery = z.infer<typeof StreamQuery>;

/** Query of GET api/status. */
export const StatusQuery = z.object({
  /** Answer 503 while the overall status is at least this bad (for uptime checkers). */
  fail: z.optional(z.enum(['unknown', 'warn', 'critical'], { error: 'expected fail=critical, fail=warn or fail=unknown' })),
  /** Only this dashboard's checks. */
  dashboard: z.optional(DashboardName),
  token: z.optional(z.unknown()),
});
export type StatusQuery = z.infer<typeof StatusQuery>;
