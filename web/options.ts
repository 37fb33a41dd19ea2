import * as z from 'zod/mini';
import { ChannelName, SourceName, SpanName } from '../shared/schema.js';

/**
 * Page options, read once from the query string. A bad value never stops the
 * page: it falls back to the default and the reason is listed in `problems`,
 * which the status bar shows.
 */
export interface PageOptions {
  channels: ChannelName[];
  metrics: string[];
  sources: string[];
  kiosk: boolean;
  embed: boolean;
  theme: 'dark' | 'light';
  title: string;
  token: string | null;
  /** Cap on the canvas pixel ratio. */
  dpr: number;
  /**
   * Points per sparkline, asked of the server as `?history=` (it sends at most
   * its own HISTORY). The default, 60, is one default 60 s window at 1 Hz, so a
   * sparkline spans what its min/avg/max say, and keeps the snapshot small.
   */
  points: number;
  /** What the sparklines span: 5m (raw ticks), or 1h / 24h as min–max bands of `points` buckets. */
  span: SpanName;
  /** Which dashboard of the server's to show (`?dashboard=`). */
  dashboard: string;
  /** `tiles` (the default) or `status`: a status-page list of the checks. */
  view: 'tiles' | 'status';
  problems: string[];
}

const dprRange = 'dpr must be between 0.5 and 4';
const pointsRange = 'points must be a whole number from 1 to 10000';

/**
 * Schemas of the option values; lists are split on commas first, numbers
 * converted with Number() (zod's pipe/transform/coerce would cost the bundle
 * more than these two lines).
 */
const fields = {
  channels: z.array(ChannelName),
  metrics: z.array(z.string().check(z.maxLength(200))).check(z.maxLength(100)),
  sources: z.array(SourceName).check(z.maxLength(100)),
  theme: z.enum(['dark', 'light'], { error: 'expected "dark" or "light"' }),
  view: z.enum(['tiles', 'status'], { error: 'expected "tiles" or "status"' }),
  dashboard: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a dashboard name, 1 to 64 characters of [A-Za-z0-9_-]')),
  title: z.string().check(z.maxLength(120, 'title must be at most 120 characters')),
  token: z.string().check(z.minLength(1), z.maxLength(512)),
  dpr: z.number().check(z.gte(0.5, dprRange), z.lte(4, dprRange)),
  points: z.int({ error: pointsRange }).check(z.gte(1, pointsRange), z.lte(10_000, pointsRange)),
  span: SpanName,
} as const;
const NUMBERS = new Set(['dpr', 'points']);
const LISTS = new Set(['channels', 'metrics', 'sources']);

/** A flag is on when present (`?kiosk`, `?kiosk=1`), off for `0`, `false`, `no`. */
function flag(params: URLSearchParams, name: string): boolean {
  const v = params.get(name);
  return v !== null && !['0', 'false', 'no', 'off'].includes(v.toLowerCase());
}

export function parseOptions(search: string): PageOptions {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  function read<K extends keyof typeof fields>(name: K, fallback: z.output<(typeof fields)[K]>): z.output<(typeof fields)[K]> {
    const raw = params.get(name);
    if (raw === null) return fallback;
    const value = LISTS.has(name) ? raw.split(',').map((x) => x.trim()).filter(Boolean) : NUMBERS.has(name) ? Number(raw) : raw;
    const r = fields[name].safeParse(value);
    if (r.success) return r.data as z.output<(typeof fields)[K]>;
    const got = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    problems.push(`?${name}: ${r.error.issues[0]?.message ?? 'invalid'}, got "${got}" (ignored)`);
    return fallback;
  }
  return {
    channels: read('channels', []),
    metrics: read('metrics', []),
    sources: read('sources', []),
    kiosk: flag(params, 'kiosk'),
    embed: flag(params, 'embed'),
    theme: read('theme', 'dark'),
    title: read('title', ''),
    token: read('token', null as unknown as string) ?? null,
    dpr: read('dpr', 1),
    points: read('points', 60),
    span: read('span', '5m'),
    dashboard: read('dashboard', 'default'),
    view: read('view', 'tiles'),
    problems,
  };
}

/**
 * The stream URL, relative to the page so it works under any path prefix. It
 * asks for `points` points per group in the snapshot (`history=`), and for
 * compact ticks (`compact=1`, decoded by the stream model).
 * `lastEventId` is passed when the watchdog recreates the EventSource (the
 * browser's own retry sends the Last-Event-ID header instead).
 */
export function streamUrl(o: Pick<PageOptions, 'channels' | 'sources' | 'token' | 'points'> & { span?: SpanName }, lastEventId: string | null): string {
  const q = new URLSearchParams();
  // The page shows check states whatever channels it draws.
  if (o.channels.length) q.set('channels', [...o.channels, 'status'].join(','));
  if (o.sources.length) q.set('sources', o.sources.join(','));
  if (o.span && o.span !== '5m') {
    q.set('span', o.span);
    q.set('points', String(o.points));
  } else q.set('history', String(o.points));
  // Ticks without their keys (CompactTick): about half the bytes at 1 Hz.
  q.set('compact', '1');
  if (lastEventId) q.set('lastEventId', lastEventId);
  if (o.token) q.set('token', o.token);
  return `api/stream?${q.toString().replace(/%2C/g, ',')}`;
}
