import * as z from 'zod/mini';

/*
 * The dashboards file (`--dashboards FILE`): named dashboards of titled
 * sections of tiles. A tile picks series by globs and may carry levels, which
 * make each series it shows a check judged by the server (server/checks/).
 *
 * Rules a reader may rely on:
 * - `metric` is a glob (`*` any run of characters, `?` one) on the metric name;
 *   with a `{` it matches the whole metric key (`host.fs.percent{mountpoint=/}`).
 *   `labels` narrows by label values (globs too); `source` by source (default `*`).
 * - A series shows in the first tile of the dashboard that matches it (so a
 *   catch-all `host.*` after judged tiles shows the rest once), unless a `hide`
 *   pattern (the same globs as `metric`) of the dashboard matches it first.
 * - Levels compare the window's `on` stat (`v`, `avg`, `min`, `max`), after
 *   `scale`, with `warn`/`critical`: above them, or below with `below: true`. A
 *   level counts once it has held for `for` ms; it clears once the value is
 *   back past the level by `hysteresis` (default 5 % of the level). A series
 *   with no sample for `stale` ms is `unknown`.
 * - `lines` draws the series a tile matches as lines of one tile when they
 *   differ only in that label (`"lines": "mode"`: host.cpu.mode{mode=user},
 *   {mode=system}, … in one tile), or only in the last word of their name with
 *   `"lines": "metric"` (host.disk.read{device=sda} and host.disk.write{device=sda}).
 *   Series that differ in anything else (source, another label, unit) get tiles
 *   of their own; at most LINES_MAX lines share a tile (more split into further
 *   tiles). Each line is still its own series, judged as its own check.
 */

const GLOB_RE = /^[A-Za-z0-9_.*?{}=,:/+~-]+$/;
const Glob = (what: string) =>
  z.string().check(
    z.minLength(1, `${what} must not be empty`),
    z.maxLength(200, `${what} must be at most 200 characters`),
    z.regex(GLOB_RE, `${what} must be a glob of [A-Za-z0-9_.:/+~-], "*", "?" and "{k=v}", e.g. "host.cpu.*"`),
  );
// Shown to people only; never a control character (it reaches SSE frames as JSON and the page as text).
// eslint-disable-next-line no-control-regex
const Text = (max: number) => z.string().check(z.maxLength(max, `must be at most ${max} characters`), z.regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/, 'must not contain control characters'));

export const DASHBOARD_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const DashboardName = z.string().check(z.regex(DASHBOARD_NAME_RE, 'dashboard name must be 1 to 64 characters of [A-Za-z0-9_-]'));

export const STAT_ON = ['v', 'avg', 'min', 'max'] as const;
/** Lines one tile draws at most; past it a legend stops being readable. */
export const LINES_MAX = 8;
const LINES_ERROR = 'lines must be a label name ([a-z_][a-z0-9_]*, e.g. "mode") or "metric" (lines differ in the last word of the metric name)';

const level = z.number().check(z.gte(-1e300), z.lte(1e300));

export const Tile = z
  .strictObject({
    metric: Glob('metric'),
    source: z.optional(Glob('source')),
    labels: z.optional(z.record(z.string().check(z.regex(/^[a-z_][a-z0-9_]*$/, 'label name must be [a-z_][a-z0-9_]*')), Glob('label value'))),
    title: z.optional(Text(80)),
    unit: z.optional(Text(16)),
    /** Multiplies every value shown and judged (e.g. 1e-9 with unit "GB"). */
    scale: z.optional(z.number().check(z.positive('scale must be above 0'), z.lte(1e300))),
    decimals: z.optional(z.int().check(z.gte(0), z.lte(6))),
    on: z.optional(z.enum(STAT_ON)),
    warn: z.optional(level),
    critical: z.optional(level),
    below: z.optional(z.boolean()),
    for: z.optional(z.int().check(z.gte(0, 'for must be 0 or more ms'), z.lte(86_400_000))),
    hysteresis: z.optional(z.number().check(z.gte(0, 'hysteresis must be 0 or more'), z.lte(1e300))),
    stale: z.optional(z.int().check(z.gte(100, 'stale must be at least 100 ms'), z.lte(86_400_000))),
    /** Draw the series that differ only in this label (or, with "metric", in the last word of their name) as lines of one tile. */
    lines: z.optional(z.string({ error: LINES_ERROR }).check(z.regex(/^[a-z_][a-z0-9_]{0,31}$/, LINES_ERROR))),
  })
  .check(
    z.refine((t) => t.warn === undefined || t.critical === undefined || (t.below ? t.critical <= t.warn : t.critical >= t.warn), {
      message: 'critical must be at or past warn (above it, or below it with "below": true)',
      path: ['critical'],
    }),
  );
export type Tile = z.infer<typeof Tile>;

export const Section = z.strictObject({
  title: Text(80),
  tiles: z.array(Tile).check(z.maxLength(200, 'at most 200 tiles per section')),
});
export type Section = z.infer<typeof Section>;

export const Dashboard = z.strictObject({
  title: z.optional(Text(120)),
  sections: z.array(Section).check(z.minLength(1, 'a dashboard needs at least one section'), z.maxLength(50, 'at most 50 sections')),
  hide: z.optional(z.array(Glob('hide pattern')).check(z.maxLength(100))),
});
export type Dashboard = z.infer<typeof Dashboard>;

export const DashboardsFile = z.strictObject({
  dashboards: z.record(DashboardName, Dashboard).check(z.refine((d) => Object.keys(d).length > 0, 'at least one dashboard is needed')),
});
export type DashboardsFile = z.infer<typeof DashboardsFile>;

/** `dashboards.default.sections[0].tiles[2].warn` */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(p))) out += `${out ? '.' : ''}${String(p)}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out || '(top level)';
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

type Issue = z.core.$ZodIssue;

/** What was expected, in words: zod/mini carries no messages of its own, only the custom ones set above. */
function describeIssue(issue: Issue, json: unknown): string {
  let at: unknown = json;
  for (const p of issue.path) at = at !== null && typeof at === 'object' && Object.hasOwn(at, p) ? (at as Record<PropertyKey, unknown>)[p] : undefined;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'a whole number' : issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, got ${at === undefined ? 'nothing' : kindOf(at)}`;
    case 'unrecognized_keys':
      return `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (a typo?)`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${kindOf(at)}`;
    case 'invalid_key':
      return issue.issues[0] ? describeIssue({ ...issue.issues[0], path: [] } as Issue, undefined) : 'bad key';
    case 'too_small':
    case 'too_big':
      return issue.message !== 'Invalid input' ? issue.message : `must be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}`;
    default:
      return issue.message;
  }
}

/** The parsed file, or one line naming the path inside it and what was expected there. */
export function parseDashboards(json: unknown): { ok: true; value: DashboardsFile } | { ok: false; error: string } {
  const r = DashboardsFile.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  return { ok: false, error: issue ? `${issuePath(issue.path)}: ${describeIssue(issue, json)}` : 'invalid' };
}
