import { CHANNELS, type ChannelName, type SpanName, type Stat } from '../shared/schema.js';
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
}

export interface GroupView {
  key: string;
  channel: ChannelName;
  source: string;
  tiles: TileView[];
}

export interface PageView {
  title: string;
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

export function tileView(s: Series, interval: number, now: number): TileView {
  const { name, labels } = parseMetricKey(s.name);
  const dot = name.indexOf('.');
  const short = dot > 0 && name.slice(0, dot) === s.channel ? name.slice(dot + 1) : name;
  // Label values read on their own ("fs.used /var", "cpu.seconds 0 user"); the full key is the tile's title.
  let label = short;
  for (const k in labels) label += ` ${labels[k]}`;
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
    age: s.seenAt === -Infinity ? 'no data yet' : formatAge(now - s.seenAt),
    stale: isStale(s, interval, now),
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
      groups.set(key, (g = { key, channel: s.channel, source: s.source, tiles: [] }));
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
