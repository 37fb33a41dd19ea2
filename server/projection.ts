import {
  seriesKey,
  type ChannelName,
  type ChannelsResponse,
  type MetricInfo,
  type Snapshot,
  type Stat,
  type StreamSettings,
} from '../shared/schema.js';
import { HistoryRing } from './history.js';
import type { Hub, HubEvent } from './hub.js';

interface Series {
  info: MetricInfo;
  history: HistoryRing;
  stat: Stat;
  updated: number;
}

export interface SnapshotFilter {
  channels?: ReadonlySet<ChannelName> | null;
  sources?: ReadonlySet<string> | null;
}

export interface ProjectionOptions {
  history?: number;
  /** Series dropped after this long without a sample (interfaces and agents come and go), ms. */
  idleTtl?: number;
  /** Series held at most; past it new series are ignored, never old ones dropped. */
  maxSeries?: number;
}

/**
 * What a new client needs to draw everything at once: per series the metric's
 * info, last stat and a history ring. Built only from hub events, so every
 * instance that reads the same hub holds the same state, and `lastId` is the
 * id of the last event folded in: a snapshot plus the events after it is gap-free.
 */
export class Projection {
  private readonly series = new Map<string, Series>();
  private readonly historySize: number;
  private readonly idleTtl: number;
  private readonly maxSeries: number;
  private lastEventId: string;
  private lastSweep = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly hub: Hub,
    { history = 300, idleTtl = 15 * 60_000, maxSeries = 10_000 }: ProjectionOptions = {},
  ) {
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

  get size(): number {
    return this.series.size;
  }

  /** Forgets everything (the hub's epoch changed and the old ids mean nothing). */
  clear(lastId: string): void {
    this.series.clear();
    this.lastEventId = lastId;
  }

  apply(event: HubEvent): void {
    const { t, source, values } = event.tick;
    for (const name in values) {
      const stat = values[name];
      const key = seriesKey(name, source);
      let s = this.series.get(key);
      if (!s) {
        if (this.series.size >= this.maxSeries) continue;
        s = { info: { name, unit: stat.u, channel: event.channel, source }, history: new HistoryRing(this.historySize), stat, updated: t };
        this.series.set(key, s);
      }
      s.info.unit = stat.u;
      s.stat = stat;
      s.updated = t;
      s.history.push(t, stat.v);
    }
    this.lastEventId = event.id;
    if (t - this.lastSweep > 60_000) this.sweep(t);
  }

  snapshot(settings: StreamSettings, filter: SnapshotFilter, reset: boolean, epoch: string, now: number): Snapshot {
    const snap: Snapshot = { reset, epoch, t: now, settings, metrics: [], history: {}, stats: {} };
    for (const [key, s] of this.series) {
      if (!matches(s.info, filter)) continue;
      snap.metrics.push(s.info);
      snap.history[key] = s.history.toJSON();
      snap.stats[key] = s.stat;
    }
    return snap;
  }

  /** Every series' info and latest stat, without history (for exporters that scrape often). */
  latest(): { metrics: MetricInfo[]; stats: Record<string, Stat> } {
    const out: { metrics: MetricInfo[]; stats: Record<string, Stat> } = { metrics: [], stats: {} };
    for (const [key, s] of this.series) {
      out.metrics.push(s.info);
      out.stats[key] = s.stat;
    }
    return out;
  }

  channels(): ChannelsResponse['channels'] {
    const by = new Map<ChannelName, { sources: Set<string>; metrics: number }>();
    for (const { info } of this.series.values()) {
      const c = by.get(info.channel) ?? { sources: new Set(), metrics: 0 };
      c.sources.add(info.source);
      c.metrics++;
      by.set(info.channel, c);
    }
    return [...by].map(([name, c]) => ({ name, sources: [...c.sources].sort(), metrics: c.metrics }));
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, s] of this.series) if (now - s.updated > this.idleTtl) this.series.delete(key);
  }
}

export function matches(info: { channel: ChannelName; source: string }, filter: SnapshotFilter): boolean {
  return (!filter.channels || filter.channels.has(info.channel)) && (!filter.sources || filter.sources.has(info.source));
}

export function eventMatches(e: HubEvent, filter: SnapshotFilter): boolean {
  return (!filter.channels || filter.channels.has(e.channel)) && (!filter.sources || filter.sources.has(e.tick.source));
}
