import type { ChannelName, ChannelsResponse, CheckState, ExpandedGroup, ExpandedSnapshot, SpanName, Stat, StatusEvent, StreamSettings } from '../../shared/schema.js';
import { keyedByMetric, sameKeys } from '../../shared/series.js';
import { GroupHistory } from './history.js';
import { copyStat, type StatCell, statCell } from './stat-cell.js';
import { mergedColumn, rangeTimeline, spanStat, tierRange } from './tier-query.js';
import type { TierStore } from './tier-store.js';
import type { Hub, HubEvent, TickHubEvent } from '../hub/hub.js';
import type { StatBase } from '../hub/tick-json.js';
import { tickKeys, tickStats } from '../hub/tick-keys.js';

interface Metric {
  /**
   * Its stat as every client holds it: the projection's own copy, written over
   * in place (a tick's stats are its source's live ones, which change at the
   * next record, and the stream's encoder compares the next tick with this).
   */
  stat: StatCell;
  /** Time of the last tick that carried it. */
  updated: number;
  /** Its ring in the group's history. */
  ring: Float64Array;
}

/** The ticks of one (channel, source): each metric's last stat, and the shared history rings. */
interface Group {
  channel: ChannelName;
  source: string;
  metrics: Map<string, Metric>;
  history: GroupHistory;
  /** The keys of its last tick, in order: what a compact stream's next tick is written against. */
  layout: readonly string[] | null;
  /**
   * The metrics of `layout` by place, when it held every one: a tick with the
   * same keys array (tickKeys) is folded by place, no lookup per series.
   */
  placed: Metric[] | null;
}

/** A group's metrics and their latest stats, without history (what a tick carries), and when each last came. */
export type LatestGroup = Pick<ExpandedGroup, 'channel' | 'source' | 'values'> & { updated: Record<string, number> };

export interface SnapshotFilter {
  /** Channels, and `status` for check events; null: everything. */
  channels?: ReadonlySet<string> | null;
  sources?: ReadonlySet<string> | null;
  /** Newest ticks per group a snapshot for this client carries (absent: all held); live events are not affected. */
  points?: number;
  /** What the snapshot's points span (absent: 5m, the raw ticks). */
  span?: SpanName;
  /** Coarse spans: points per group at most (buckets merged to fit). */
  tierPoints?: number;
  /** Compact ticks (`?compact=1`): the snapshot gives each group's layout (see CompactTick). */
  compact?: boolean;
}

export interface ProjectionOptions {
  /** Ticks of history kept per (channel, source). */
  history?: number;
  /** Series dropped after this long without a sample (interfaces and agents come and go), ms. */
  idleTtl?: number;
  /** Series held at most; past it new series are ignored, never old ones dropped. */
  maxSeries?: number;
  /** Coarse tiers folded from the same events (null: none, every span answers with the raw ticks). */
  tiers?: TierStore | null;
  /** For the trend of a coarse span's figures, as the windows' TREND_THRESHOLD. */
  trendThreshold?: number;
}

/**
 * What a new client needs to draw everything at once: per (channel, source)
 * group each metric's last stat, and the last `history` ticks in fixed rings
 * (one ring of times per group, one of values per metric, aligned). Built only
 * from hub events, so every instance that reads the same hub holds the same
 * state, and `lastId` is the id of the last event folded in: a snapshot plus
 * the events after it is gap-free.
 */
export class Projection {
  private readonly groups = new Map<string, Group>();
  private readonly historySize: number;
  private readonly idleTtl: number;
  private readonly maxSeries: number;
  private series = 0;
  private lastEventId: string;
  private lastSweep = 0;
  private unsubscribe: (() => void) | null = null;
  readonly tiers: TierStore | null;
  private readonly trendThreshold: number;
  /** Every check's state, folded from status events; ids in order of first appearance. */
  private readonly checkStates = new Map<string, CheckState>();

  constructor(
    private readonly hub: Hub,
    { history = 300, idleTtl = 15 * 60_000, maxSeries = 10_000, tiers = null, trendThreshold = 0.1 }: ProjectionOptions = {},
  ) {
    this.tiers = tiers;
    this.trendThreshold = trendThreshold;
    this.historySize = history;
    this.idleTtl = idleTtl;
    this.maxSeries = maxSeries;
    this.lastEventId = hub.lastId();
  }

  start(): void {
    this.unsubscribe ??= this.hub.subscribe((e) => this.apply(e));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  get lastId(): string {
    return this.lastEventId;
  }

  /** Series (metric of a source) held. */
  get size(): number {
    return this.series;
  }

  /** Bytes of every history ring; bounded by (groups + series) × history × 8 whatever the number of ticks. */
  get historyBytes(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.history.bytes;
    return n;
  }

  /**
   * Each series' stat as the stream's clients hold it now: a client's snapshot
   * comes from here, and every event after it is folded here as in the client,
   * so a tick written against this base leaves out only what the client already
   * has. Null while stopped (events would pass by unfolded); a series this does
   * not hold (swept, or past the cap) has no base, so its next tick is whole.
   */
  statBase(channel: ChannelName, source: string): StatBase | null {
    if (!this.unsubscribe) return null;
    const g = this.groups.get(`${channel}@${source}`);
    return g ? (key) => g.metrics.get(key)?.stat : null;
  }

  /** The keys of the group's last tick as every client of the stream holds them; null while stopped or unknown. */
  layout(channel: ChannelName, source: string): readonly string[] | null {
    if (!this.unsubscribe) return null;
    return this.groups.get(`${channel}@${source}`)?.layout ?? null;
  }

  /**
   * Forgets every window and raw point (the hub's epoch changed and the old ids
   * mean nothing). The tiers stay: they are keyed by time, not by id, and a tick
   * already folded is never folded twice.
   */
  clear(lastId: string): void {
    this.groups.clear();
    this.checkStates.clear();
    this.series = 0;
    this.lastEventId = lastId;
  }

  apply(event: HubEvent): void {
    if (event.channel === 'status') this.applyStatus(event.status);
    else this.applyTick(event);
    this.lastEventId = event.id;
  }

  checks(): CheckState[] {
    return [...this.checkStates.values()];
  }

  private applyStatus(s: StatusEvent): void {
    if (s.full) this.checkStates.clear();
    for (const id of s.removed) this.checkStates.delete(id);
    for (const c of s.checks) this.checkStates.set(c.id, c);
  }

  private applyTick(event: TickHubEvent): void {
    const { t, source, values } = event.tick;
    this.tiers?.fold(event.channel, event.tick);
    const key = `${event.channel}@${source}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { channel: event.channel, source, metrics: new Map(), history: new GroupHistory(this.historySize), layout: null, placed: null };
      this.groups.set(key, g);
    }
    // Own keys only: a tick parsed from outside (Redis) is a plain object.
    const keys = tickKeys(values);
    const stats = tickStats(values);
    const placed = g.layout === keys ? g.placed : null;
    // By place, every metric held is in the tick: each ring's newest slot is written below, none cleared first.
    g.history.push(t, placed !== null && placed.length === g.metrics.size);
    const slot = g.history.newestSlot;
    if (placed) {
      for (let i = 0; i < placed.length; i++) {
        const m = placed[i];
        const stat = stats[i];
        copyStat(m.stat, stat);
        m.updated = t;
        m.ring[slot] = stat.v;
      }
    } else this.applyByKey(g, keys, stats, t);
    if (!g.metrics.size) this.groups.delete(key);
    if (t - this.lastSweep > 60_000) this.sweep(t);
  }

  /** applyTick for keys other than the group's last tick's array: each series looked up, and `placed` made anew. */
  private applyByKey(g: Group, keys: readonly string[], stats: readonly Stat[], t: number): void {
    const slot = g.history.newestSlot;
    let placed: Metric[] | null = [];
    for (let i = 0; i < keys.length; i++) {
      const name = keys[i];
      const stat = stats[i];
      let m = g.metrics.get(name);
      if (!m) {
        if (this.series >= this.maxSeries) {
          placed = null;
          continue;
        }
        g.metrics.set(name, (m = { stat: statCell(stat), updated: t, ring: g.history.add(name) }));
        this.series++;
      } else copyStat(m.stat, stat);
      m.updated = t;
      m.ring[slot] = stat.v;
      placed?.push(m);
    }
    if (!sameKeys(g.layout, keys)) g.layout = keys;
    g.placed = placed && g.layout === keys ? placed : null;
  }

  /**
   * The stats every client holds for the series of `keys`, by place, when
   * `keys` is the very array of the group's last tick (StatBase's, without a
   * lookup per series); null otherwise (then use statBase).
   */
  placedBase(channel: ChannelName, source: string, keys: readonly string[]): readonly { readonly stat: Stat }[] | null {
    if (!this.unsubscribe) return null;
    const g = this.groups.get(`${channel}@${source}`);
    return g && g.layout === keys ? g.placed : null;
  }

  /** `points`: newest ticks per group to include (default and at most: all held). */
  snapshot(settings: StreamSettings, filter: SnapshotFilter, reset: boolean, epoch: string, now: number, points = Infinity): ExpandedSnapshot {
    const span = filter.span && filter.span !== '5m' && this.tiers ? filter.span : null;
    const snap: ExpandedSnapshot = { reset, epoch, t: now, settings, groups: [], checks: this.checks() };
    if (span) snap.span = span;
    for (const g of this.groups.values()) {
      if (!matches(g, filter)) continue;
      if (span) {
        const tg = this.tierGroup(g, span, filter.tierPoints);
        snap.groups.push(filter.compact ? withLayout(tg, g.layout) : tg);
        continue;
      }
      const values: ExpandedGroup['values'] = keyedByMetric();
      const history: ExpandedGroup['history'] = keyedByMetric();
      for (const [name, m] of g.metrics) {
        values[name] = m.stat;
        history[name] = g.history.column(name, points);
      }
      const group: ExpandedGroup = { channel: g.channel, source: g.source, ...g.history.timeline(points), values, history };
      snap.groups.push(filter.compact ? withLayout(group, g.layout) : group);
    }
    return snap;
  }

  /** A group's points from a coarse tier: average, lo and hi per point, and figures over the whole span. */
  private tierGroup(g: Group, span: string, points: number | undefined): ExpandedGroup {
    const ring = this.tiers!.group(g.channel, g.source)?.ring(span);
    const out: ExpandedGroup = { channel: g.channel, source: g.source, dt: [], values: keyedByMetric(), history: keyedByMetric(), lo: keyedByMetric(), hi: keyedByMetric() };
    if (!ring) {
      for (const [name, m] of g.metrics) [out.values[name], out.history[name], out.lo![name], out.hi![name]] = [m.stat, [], [], []];
      return out;
    }
    const r = tierRange(ring, points ?? ring.spec.capacity);
    Object.assign(out, rangeTimeline(r), { step: r.width });
    for (const [name, m] of g.metrics) {
      const col = mergedColumn(ring, ring.series.get(name), r);
      out.values[name] = spanStat(col, r, m.stat, this.trendThreshold);
      out.history[name] = col.avg;
      out.lo![name] = col.lo;
      out.hi![name] = col.hi;
    }
    return out;
  }

  /** Every group's latest stats, without history (for exporters that scrape often). */
  latest(): LatestGroup[] {
    const out: LatestGroup[] = [];
    for (const g of this.groups.values()) {
      const values: LatestGroup['values'] = keyedByMetric();
      const updated: LatestGroup['updated'] = keyedByMetric();
      for (const [name, m] of g.metrics) {
        values[name] = m.stat;
        updated[name] = m.updated;
      }
      out.push({ channel: g.channel, source: g.source, values, updated });
    }
    return out;
  }

  channels(): ChannelsResponse['channels'] {
    const by = new Map<ChannelName, { sources: Set<string>; metrics: number }>();
    for (const g of this.groups.values()) {
      const c = by.get(g.channel) ?? { sources: new Set(), metrics: 0 };
      c.sources.add(g.source);
      c.metrics += g.metrics.size;
      by.set(g.channel, c);
    }
    return [...by].map(([name, c]) => ({ name, sources: [...c.sources].sort(), metrics: c.metrics }));
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, g] of this.groups) {
      for (const [name, m] of g.metrics) {
        if (now - m.updated <= this.idleTtl) continue;
        g.metrics.delete(name);
        g.history.remove(name);
        g.placed = null;
        this.series--;
      }
      if (!g.metrics.size) this.groups.delete(key);
    }
  }
}

/** Equal for filters that let the same channels and sources through (`points`, `span` and `tierPoints` aside). */
export function filterKey(filter: SnapshotFilter): string {
  const keyOf = (set: ReadonlySet<string> | null | undefined) => (set ? [...set].sort().join(',') : '*');
  return `${keyOf(filter.channels)}|${keyOf(filter.sources)}${filter.compact ? '|c' : ''}`;
}

/** JSON.parse puts such keys first whatever their place in the text, so their order cannot stand for a layout. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * A compact stream's group: its `values` (and the columns beside them) listed in
 * the layout's order first, and `keys` only when that order does not already
 * say the layout (see SnapshotGroup.keys).
 */
export function withLayout(g: ExpandedGroup, layout: readonly string[] | null): ExpandedGroup {
  if (!layout) return g;
  const order = [...layout.filter((k) => Object.hasOwn(g.values, k)), ...Object.keys(g.values).filter((k) => !layout.includes(k))];
  const pick = <T>(rec: Record<string, T>): Record<string, T> => {
    const out = keyedByMetric<T>();
    for (const k of order) if (Object.hasOwn(rec, k)) out[k] = rec[k];
    return out;
  };
  const out: ExpandedGroup = { ...g, values: pick(g.values), history: pick(g.history) };
  if (g.lo) out.lo = pick(g.lo);
  if (g.hi) out.hi = pick(g.hi);
  if (!sameKeys(order, layout) || order.some((k) => ARRAY_INDEX.test(k))) out.keys = [...layout];
  return out;
}

export function matches(info: { channel: ChannelName; source: string }, filter: SnapshotFilter): boolean {
  return (!filter.channels || filter.channels.has(info.channel)) && (!filter.sources || filter.sources.has(info.source));
}

/** Status events go to every client: checks are the whole dashboard's, whatever a client draws. */
export function eventMatches(e: HubEvent, filter: SnapshotFilter): boolean {
  // Check states belong to no one channel: a client that names channels asks for them by `status`.
  if (e.channel === 'status') return !filter.channels || filter.channels.has('status');
  return (!filter.channels || filter.channels.has(e.channel)) && (!filter.sources || filter.sources.has(e.tick.source));
}
