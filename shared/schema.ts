// zod/mini: the same schemas and parsing as zod, tree-shakable, so the page's
// bundle carries only what it uses (full zod was half of the page's JS).
import * as z from 'zod/mini';
import { DashboardName } from './dashboards.js';
import { keyedByMetric, MetricKey } from './series.js';

/*
 * The wire contract between the server and any client (the page, curl, other
 * programs). Types are inferred from these schemas and never written twice.
 *
 * Rules a client may rely on:
 * - A series is identified by its metric key (its name and labels, see
 *   series.ts) and the `source` that produced it; together they form a series
 *   key `key@source` (see seriesKey).
 * - Every stat is the sliding window of one series at time `t`: `v` is the last
 *   sample, `min`/`max`/`avg` cover the samples of the last `window` ms, `n` is
 *   how many samples that is, `trend` is the sign of the window's slope.
 * - Event ids order all events of a hub; an id carries the hub's epoch, and an id
 *   from another epoch is never compared, only answered with a snapshot.
 */

export const CHANNELS = ['host', 'process', 'http', 'app'] as const;

/**
 * What a snapshot's points span (`?span=`): `5m` is the raw ticks (HISTORY of
 * them); `1h` (10 s buckets) and `24h` (1 min buckets) are coarse tiers whose
 * points carry min (`lo`), max (`hi`) and average (`history`).
 */
export const SPANS = ['5m', '1h', '24h'] as const;
export const SpanName = z.enum(SPANS);
export type SpanName = z.infer<typeof SpanName>;
export const ChannelName = z.enum(CHANNELS);
export type ChannelName = z.infer<typeof ChannelName>;



/** A source is a host or instance name; it is shown to people and used in URLs. */
export const SourceName = z.string().check(
  z.minLength(1, 'source must not be empty'),
  z.maxLength(64, 'source must be at most 64 characters'),
  z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'source must be letters, digits, "_", "." or "-"'),
);

/** Units are short labels such as "%", "B/s", "ms"; never a control character. */
export const Unit = z.string().check(
  z.maxLength(16, 'unit must be at most 16 characters'),
  // eslint-disable-next-line no-control-regex
  z.regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/, 'unit must not contain control characters'),
);

export const Trend = z.enum(['rising', 'falling', 'stable']);
export type Trend = z.infer<typeof Trend>;

export const Stat = z.object({
  v: z.number(),
  min: z.number(),
  max: z.number(),
  avg: z.number(),
  n: z.int().check(z.nonnegative()),
  trend: Trend,
  u: Unit,
});
export type Stat = z.infer<typeof Stat>;

/**
 * One channel tick of one source as a source publishes it: every stat whole.
 * This is what the hub orders and replays, and what Redis carries; on the
 * stream a tick goes out as a StreamTick, which leaves out what did not change.
 */
export const TickEvent = z.object({
  t: z.number(),
  source: SourceName,
  values: z.record(MetricKey, Stat),
});
export type TickEvent = z.infer<typeof TickEvent>;

/**
 * A series' stat in a StreamTick: its whole Stat the first time the stream
 * sends it, else `v` and only the fields that changed since the series' last
 * tick or snapshot. A bare number is `{"v": number}`: nothing but the value changed.
 * `n` never changes in a tick: it is a snapshot's (and a first tick's) only.
 */
export const StatChange = z.union([
  z.number(),
  z.object({
    v: z.number(),
    min: z.optional(z.number()),
    max: z.optional(z.number()),
    avg: z.optional(z.number()),
    n: z.optional(z.int().check(z.nonnegative())),
    trend: z.optional(Trend),
    u: z.optional(Unit),
  }),
]);
export type StatChange = z.infer<typeof StatChange>;

/** `event: <channel>` on the stream: a tick, with each stat as a StatChange. */
export const StreamTick = z.object({
  t: z.number(),
  source: SourceName,
  values: z.record(MetricKey, StatChange),
});
export type StreamTick = z.infer<typeof StreamTick>;

/**
 * `event: <channel>` on a `?compact=1` stream (what the page asks for): a
 * StreamTick whose `values` is an array, one CompactStat per key of the group's
 * layout, in its order. The layout is `keys` when the tick lists them (its keys
 * differ from the group's previous tick's), else the one the client holds for
 * the group: from the last tick that listed keys, or from its snapshot (the
 * group's `keys`, or when absent the order of its `values`). A client with no
 * layout for a group, or one of another length, cannot decode the tick and
 * must start over without `lastEventId` (see compactLayout).
 */
/**
 * A StatChange in a CompactTick, with one-letter names for the fields that
 * change most (they are most of a compact tick's bytes): `l` min, `h` max, `a`
 * avg, `d` the trend as -1 (falling), 0 (stable) or 1 (rising); `v`, `n` and
 * `u` as in a StatChange. A bare number is `{"v": number}`.
 *
 * `d` is one literal of three values rather than a union of three: zod builds
 * an issue for every union branch that fails before one fits, and the page
 * parses every one of these, every tick.
 */
export const CompactStat = z.union([
  z.number(),
  z.object({
    v: z.number(),
    l: z.optional(z.number()),
    h: z.optional(z.number()),
    a: z.optional(z.number()),
    d: z.optional(z.literal([-1, 0, 1])),
    n: z.optional(z.int().check(z.nonnegative())),
    u: z.optional(Unit),
  }),
]);
export type CompactStat = z.infer<typeof CompactStat>;

/** A trend as a CompactStat's `d`, and back. */
export const TREND_DIGIT = { falling: -1, stable: 0, rising: 1 } as const;
const DIGIT_TREND = { '-1': 'falling', '0': 'stable', '1': 'rising' } as const;

export const CompactTick = z
  .object({
    t: z.number(),
    source: SourceName,
    keys: z.optional(z.array(MetricKey)),
    values: z.array(CompactStat),
  })
  .check(z.refine((c) => !c.keys || c.keys.length === c.values.length, { message: 'keys and values must be as long as each other', path: ['values'] }));
export type CompactTick = z.infer<typeof CompactTick>;

/** The layout a snapshot group gives a compact stream: its `keys`, else its `values`' order. */
export function snapshotLayout(g: Pick<SnapshotGroup, 'keys' | 'values'>): string[] {
  return g.keys ?? Object.keys(g.values);
}

/** A compact tick as a StreamTick, against the group's `layout`; null when the layout does not fit it. */
export function expandCompact(c: CompactTick, layout: readonly string[] | undefined): StreamTick | null {
  const keys = c.keys ?? layout;
  if (!keys || keys.length !== c.values.length) return null;
  const values: Record<string, StatChange> = Object.create(null);
  for (let i = 0; i < keys.length; i++) {
    const x = c.values[i];
    if (typeof x === 'number') values[keys[i]] = x;
    else {
      const out: Exclude<StatChange, number> = { v: x.v };
      if (x.l !== undefined) out.min = x.l;
      if (x.h !== undefined) out.max = x.h;
      if (x.a !== undefined) out.avg = x.a;
      if (x.d !== undefined) out.trend = DIGIT_TREND[x.d];
      if (x.n !== undefined) out.n = x.n;
      if (x.u !== undefined) out.u = x.u;
      values[keys[i]] = out;
    }
  }
  return { t: c.t, source: c.source, values };
}

/**
 * A series' stat after a StatChange: `prev` (its stat from the last tick or
 * snapshot) with the fields the change carries. Without `prev` (a series this
 * client has not seen whole, e.g. it resumed with other channels than before)
 * the missing fields read as unknown: NaN, `stable`, `n` 0 and no unit.
 */
export function applyChange(prev: Stat | null | undefined, c: StatChange): Stat {
  const base = prev ?? { v: NaN, min: NaN, max: NaN, avg: NaN, n: 0, trend: 'stable' as const, u: '' };
  if (typeof c === 'number') return { ...base, v: c };
  return {
    v: c.v,
    min: c.min ?? base.min,
    max: c.max ?? base.max,
    avg: c.avg ?? base.avg,
    n: c.n ?? base.n,
    trend: c.trend ?? base.trend,
    u: c.u ?? base.u,
  };
}

/**
 * A series' stat after a CompactStat: what applyChange gives for the StatChange
 * expandCompact makes of it, without making that object (a client applies
 * every compact tick's stats this way).
 */
export function applyCompact(prev: Stat | null | undefined, c: CompactStat): Stat {
  const base = prev ?? { v: NaN, min: NaN, max: NaN, avg: NaN, n: 0, trend: 'stable' as const, u: '' };
  if (typeof c === 'number') return { v: c, min: base.min, max: base.max, avg: base.avg, n: base.n, trend: base.trend, u: base.u };
  return {
    v: c.v,
    min: c.l ?? base.min,
    max: c.h ?? base.max,
    avg: c.a ?? base.avg,
    n: c.n ?? base.n,
    trend: c.d === undefined ? base.trend : DIGIT_TREND[c.d],
    u: c.u ?? base.u,
  };
}

/** States of a check, from best to worst: `?fail=` on api/status counts in this order. */
export const CHECK_STATUSES = ['ok', 'unknown', 'warn', 'critical'] as const;
export const CheckStatus = z.enum(CHECK_STATUSES);
export type CheckStatus = z.infer<typeof CheckStatus>;

/**
 * One series of a tile with levels, as judged by the server. `value` is the
 * tile's `on` stat after its `scale` (null when unknown); `level` the warn or
 * critical level it is past (null when ok or unknown); `since` when the status
 * began (ms since the epoch).
 */
export const CheckState = z.object({
  id: z.string().check(z.maxLength(1200)),
  dashboard: DashboardName,
  title: z.string().check(z.maxLength(200)),
  metric: MetricKey,
  source: SourceName,
  status: CheckStatus,
  value: z.nullable(z.number()),
  level: z.nullable(z.number()),
  since: z.number(),
});
export type CheckState = z.infer<typeof CheckState>;

/**
 * `event: status`: checks whose status changed at `t`. With `full`, `checks` is
 * every check and replaces all before (sent at start, and when the dashboards
 * change: a client then reads api/dashboards again); `removed` lists ids of checks that are gone (their series
 * was forgotten). Every client gets status events, whatever its filters.
 */
export const StatusEvent = z.object({
  t: z.number(),
  full: z.boolean(),
  checks: z.array(CheckState),
  removed: z.array(z.string().check(z.maxLength(1200))),
});
export type StatusEvent = z.infer<typeof StatusEvent>;

/** GET api/status. `status` is the worst of the checks' (ok when there are none). */
export const StatusResponse = z.object({ status: CheckStatus, checks: z.array(CheckState) });
export type StatusResponse = z.infer<typeof StatusResponse>;

/** The worse of two statuses (CHECK_STATUSES order). */
export function worse(a: CheckStatus, b: CheckStatus): CheckStatus {
  return CHECK_STATUSES.indexOf(a) >= CHECK_STATUSES.indexOf(b) ? a : b;
}

export const StreamSettings = z.object({
  /** Sampling interval of the built-in channels, ms. */
  interval: z.number().check(z.positive()),
  /** Span of every sliding window, ms. */
  window: z.number().check(z.positive()),
  /** Ticks of history kept per (channel, source) group: the most a client may ask for with `?history=`. */
  history: z.int().check(z.positive()),
  /** Interval of the keep-alive comment, ms (0 when off). */
  heartbeat: z.number().check(z.nonnegative()),
});
export type StreamSettings = z.infer<typeof StreamSettings>;

/**
 * A column of points: one per point of the group's timeline (`null` where the
 * point holds nothing), or one number when every point has that value (a
 * series that stayed at 0, say). See `columnPoints`.
 */
export const Column = z.union([z.number(), z.array(z.nullable(z.number()))]);
export type Column = z.infer<typeof Column>;

/**
 * One (channel, source) of a snapshot: what that source's ticks on that channel
 * have said, newest `history` ticks at most. It mirrors a tick event (`channel`,
 * `source`, `values`) plus the points for the sparklines:
 * - The group's timeline is its ticks' times, oldest first: `t0`, then
 *   `t0 + dt[0]`, `t0 + dt[0] + dt[1]`, … (see groupTimes). Times are ms since the
 *   epoch; whole numbers are reproduced exactly. `t0` is absent when there are no
 *   points (then `dt` is empty). When every gap is the same, `dt` may be that one
 *   number, and `points` says how many points there are (a coarse span's timeline
 *   is always one `step` apart).
 * - `values` is each metric's last window, exactly as the last tick carrying it.
 * - `history` has one column per metric of `values`, as long as the timeline: the
 *   metric's `v` at each of those ticks, `null` where a tick did not carry it (a
 *   metric pushed less often than its neighbours, or one that appeared later).
 */
export const SnapshotGroup = z
  .object({
    channel: ChannelName,
    source: SourceName,
    t0: z.optional(z.number()),
    dt: z.union([z.number(), z.array(z.number())]),
    /** How many points the timeline has: given when `dt` is one number. */
    points: z.optional(z.int().check(z.nonnegative())),
    values: z.record(MetricKey, Stat),
    history: z.record(MetricKey, Column),
    /** Coarse spans only: how many ms each point covers (points start at multiples of it, but for a lone point: ?points=1). */
    step: z.optional(z.number().check(z.positive())),
    /** Coarse spans only: each point's lowest and highest tick, beside `history`'s average. */
    lo: z.optional(z.record(MetricKey, Column)),
    hi: z.optional(z.record(MetricKey, Column)),
    /**
     * Compact streams only (`?compact=1`): the keys of the group's last tick, in
     * its order, which the stream's next ticks follow (see CompactTick). Absent
     * when `values` lists exactly those keys in that order.
     */
    keys: z.optional(z.array(MetricKey)),
  })
  .check(
    z.refine((g) => g.t0 !== undefined || (Array.isArray(g.dt) && g.dt.length === 0 && !g.points), { message: 'dt must be empty when t0 is absent', path: ['dt'] }),
    z.refine((g) => (typeof g.dt === 'number' ? g.points !== undefined && g.points >= 1 : g.points === undefined || g.points === g.dt.length + 1), {
      message: 'points must be given when dt is one number, and be dt\'s length + 1 when dt is an array',
      path: ['points'],
    }),
    z.refine(
      (g) => {
        const points = groupLength(g);
        const names = Object.keys(g.history);
        return names.length === Object.keys(g.values).length && names.every((n) => Object.hasOwn(g.values, n) && fits(g.history[n], points));
      },
      { message: 'history must have a column per metric of values, as long as the timeline (t0 and dt), or one number', path: ['history'] },
    ),
    z.refine(
      (g) => [g.lo, g.hi].every((band) => !band || Object.keys(g.history).every((n) => Object.hasOwn(band, n) && fits(band[n], groupLength(g)))),
      { message: 'lo and hi must have a column per metric of history, as long as it, or one number', path: ['lo'] },
    ),
  );
export type SnapshotGroup = z.infer<typeof SnapshotGroup>;

const fits = (c: Column | undefined, points: number) => (typeof c === 'number' ? points >= 1 : Array.isArray(c) && c.length === points);

/** How many points a group's timeline has. */
export function groupLength(g: Pick<SnapshotGroup, 't0' | 'dt' | 'points'>): number {
  if (g.t0 === undefined) return 0;
  return typeof g.dt === 'number' ? (g.points ?? 1) : g.dt.length + 1;
}

/** A group's times, oldest first, from `t0` and `dt`. */
export function groupTimes(g: Pick<SnapshotGroup, 't0' | 'dt' | 'points'>): number[] {
  if (g.t0 === undefined) return [];
  const n = groupLength(g);
  const out = new Array<number>(n);
  let t = (out[0] = g.t0);
  for (let i = 1; i < n; i++) out[i] = t += typeof g.dt === 'number' ? g.dt : g.dt[i - 1];
  return out;
}

/** A column written out, one entry per point of a timeline of `points` (missing: none). */
export function columnPoints(c: Column | undefined, points: number): (number | null)[] {
  if (c === undefined) return [];
  return typeof c === 'number' ? new Array<number>(points).fill(c) : c;
}

/** A group with `dt` and every column written out as arrays: what the server builds, and a client works with. */
export type ExpandedGroup = Omit<SnapshotGroup, 'dt' | 'points' | 'history' | 'lo' | 'hi'> & {
  dt: number[];
  history: Record<string, (number | null)[]>;
  lo?: Record<string, (number | null)[]>;
  hi?: Record<string, (number | null)[]>;
};

/** The group written out (dt and columns as arrays), keyed by metric in a null-prototype object like the parsed one. */
export function expandGroup(g: SnapshotGroup): ExpandedGroup {
  const n = groupLength(g);
  const cols = (r: Record<string, Column>) => {
    const out = keyedByMetric<(number | null)[]>();
    for (const k of Object.keys(r)) out[k] = columnPoints(r[k], n);
    return out;
  };
  const { points: _, lo, hi, ...rest } = g;
  const out: ExpandedGroup = { ...rest, dt: typeof g.dt === 'number' ? new Array<number>(Math.max(0, n - 1)).fill(g.dt) : g.dt, history: cols(g.history) };
  if (lo) out.lo = cols(lo);
  if (hi) out.hi = cols(hi);
  return out;
}

/**
 * `event: snapshot`: the full state, sent first and whenever a gap cannot be
 * replayed; also GET api/snapshot. `?history=N` asks for the newest N points of
 * each group (at most `settings.history`; default all).
 */
export const Snapshot = z.object({
  /** True when this snapshot replaces events the client asked for but that cannot be replayed. */
  reset: z.boolean(),
  /** What the points span (absent: `5m`, the raw ticks). */
  span: z.optional(SpanName),
  epoch: z.string(),
  t: z.number(),
  settings: StreamSettings,
  /** In order of first appearance. */
  groups: z.array(SnapshotGroup),
  /** Every check's state as of this snapshot's id (status events change it). */
  checks: z.array(CheckState),
});
export type Snapshot = z.infer<typeof Snapshot>;
export type ExpandedSnapshot = Omit<Snapshot, 'groups'> & { groups: ExpandedGroup[] };

/** The snapshot with every group written out (expandGroup). */
export function expandSnapshot(s: Snapshot): ExpandedSnapshot {
  return { ...s, groups: s.groups.map(expandGroup) };
}

export const ChannelInfo = z.object({
  name: ChannelName,
  sources: z.array(SourceName),
  metrics: z.int().check(z.nonnegative()),
});
/** Static facts of the instance that answers, read once at start. */
export const HostFacts = z.object({
  source: SourceName,
  hostname: z.string(),
  os: z.string(),
  kernel: z.string(),
  arch: z.string(),
  cpu: z.string(),
  cores: z.int().check(z.nonnegative()),
  /** Bytes. */
  memory: z.number().check(z.nonnegative()),
  node: z.string(),
});
export type HostFacts = z.infer<typeof HostFacts>;

export const ChannelsResponse = z.object({
  channels: z.array(ChannelInfo),
  /** Null until read at start. */
  host: z.nullable(HostFacts),
});
export type ChannelsResponse = z.infer<typeof ChannelsResponse>;

export const ErrorBody = z.object({ error: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** One series across sources: its metric key (name and labels) and its source, which never holds '@'. */
export function seriesKey(key: string, source: string): string {
  return `${key}@${source}`;
}
