import { CHANNELS, type ChannelName, type CheckState, type SpanName, type Stat } from '../shared/schema.js';
import { parseMetricKey } from '../shared/series.js';
import { formatAge } from './format.js';
import type { Points } from './buckets.js';
import type { Series } from './series-store.js';
import type { ConnectionState } from './stream-model.js';

/** Everything a tile draws; built per frame from the store, consumed as props. */
export interface TileView {
  key: string;
  /** The metric name without its channel prefix, then its label values ("cpu.total", "fs.used_ratio /var"). */
  label: string;
  name: string;
  source: string;
  channel: ChannelName;
  unit: string;
  stat: Stat | null;
  ring: Points;
  version: number;
  /** "now", "4 s ago", … ("no data yet"); text, so a tile re-renders only when it reads differently. */
  age: string;
  stale: boolean;
  /** The server's judgement of this series on this dashboard (null: the tile has no levels). */
  check: CheckState | null;
  /** Levels to draw on the sparkline, in the series' own unit (before the tile's scale). */
  warnAt: number | null;
  critAt: number | null;
  /** The tile's display overrides: `value × scale`, shown in `unit` with `decimals`. */
  format: TileFormat | null;
  /** Show the source (several sources of this metric on one view). */
  showSource: boolean;
  /** A tile of several lines (a dashboard tile with `lines`): each line's own view; null for one series. */
  lines: TileView[] | null;
  /** This series' name in its tile's legend (`user` of host.cpu.mode{mode=user}); empty outside a tile of lines. */
  lineName: string;
}

export interface TileFormat {
  scale: number;
  unit: string | null;
  decimals: number | null;
}

export interface GroupView {
  key: string;
  /** A dashboard section's title; empty for a channel group (its chip and source say it). */
  title: string;
  channel: ChannelName;
  source: string;
  tiles: TileView[];
}

/** What the status line says: the worst state, counts and the names of the worst checks. */
export interface StatusSummary {
  worst: CheckState['status'];
  text: string;
  names: string;
  checks: number;
}

export interface PageView {
  title: string;
  /** Facts of the host that answers ("vm · Debian 12 · 8 cores · 31.3 GiB"), once read. */
  host: string | null;
  /** Nothing is known before the first snapshot: no "0 metrics", no "nothing matches". */
  ready: boolean;
  status: StatusSummary;
  statusView: boolean;
  /** What a full sparkline's x axis spans, ms (points kept × interval, or the coarse span's length). */
  spanMs: number;
  state: ConnectionState;
  lastEventAgeSec: number | null;
  malformed: number;
  lastProblem: string | null;
  problems: string[];
  groups: GroupView[];
  tileCount: number;
  sources: number;
  kiosk: boolean;
  embed: boolean;
  /** The span shown, and the page's query (for the span switch's links). */
  span?: SpanName;
  search?: string;
}

/**
 * A series is stale when its newest point is older than three of its
 * intervals: the stream's sampling interval, or the series' own observed gap
 * when it is slower (disk usage, pushed app metrics).
 */
export function isStale(s: Series, interval: number, now: number): boolean {
  if (s.seenAt === -Infinity) return true;
  const gap = s.ring.lastGap;
  const every = Number.isFinite(gap) ? Math.max(interval, gap) : interval;
  return now - s.seenAt > 3 * every;
}

/** A series' label, worked out once per series (a frame builds every tile's view; the name never changes). */
const labels = new WeakMap<Series, string>();

function labelOf(s: Series): string {
  let label = labels.get(s);
  if (label !== undefined) return label;
  const { name, labels: values } = parseMetricKey(s.name);
  const dot = name.indexOf('.');
  // Label values read on their own ("fs.used /var", "cpu.seconds 0 user"); the full key is the tile's title.
  label = dot > 0 && name.slice(0, dot) === s.channel ? name.slice(dot + 1) : name;
  for (const k in values) label += ` ${values[k]}`;
  labels.set(s, label);
  return label;
}

/** "now", "4 s ago", … or "no data yet": a tile's age as it reads. */
export function ageOf(s: Series, now: number): string {
  return s.seenAt === -Infinity ? 'no data yet' : formatAge(now - s.seenAt);
}

export function tileView(s: Series, interval: number, now: number): TileView {
  const label = labelOf(s);
  return {
    key: s.key,
    label,
    name: s.name,
    source: s.source,
    channel: s.channel,
    unit: s.unit,
    stat: s.stat,
    ring: s.ring,
    version: s.version,
    age: ageOf(s, now),
    stale: isStale(s, interval, now),
    check: null,
    warnAt: null,
    critAt: null,
    format: null,
    showSource: false,
    lines: null,
    lineName: '',
  };
}

/**
 * Groups by channel and source: sources in the order of `?sources=` (fleet
 * view) or of first appearance, and within a source the channels in their
 * catalogue order (host, process, http, app). Tiles keep the server's order.
 */
export function groupTiles(series: readonly Series[], interval: number, now: number, sourceOrder: readonly string[] = []): GroupView[] {
  const groups = new Map<string, GroupView>();
  const seen: string[] = [];
  for (const s of series) {
    const key = `${s.channel}@${s.source}`;
    let g = groups.get(key);
    if (!g) {
      groups.set(key, (g = { key, title: '', channel: s.channel, source: s.source, tiles: [] }));
      if (!seen.includes(s.source)) seen.push(s.source);
    }
    g.tiles.push(tileView(s, interval, now));
  }
  const rank = (src: string) => {
    const i = sourceOrder.indexOf(src);
    return i >= 0 ? i : sourceOrder.length + seen.indexOf(src);
  };
  return [...groups.values()].sort(
    (a, b) => rank(a.source) - rank(b.source) || CHANNELS.indexOf(a.channel) - CHANNELS.indexOf(b.channel),
  );
}
