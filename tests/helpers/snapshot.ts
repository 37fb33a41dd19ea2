import { type ChannelName, columnPoints, groupTimes, seriesKey, type Snapshot, type Stat } from '../../shared/schema.js';

/** One metric of one source as a snapshot carries it, points where its ticks had it. */
export interface SnapshotSeries {
  name: string;
  source: string;
  channel: ChannelName;
  stat: Stat;
  /** Times of the group's ticks that carried the metric, oldest first. */
  t: number[];
  v: number[];
}

/**
 * Every series of a snapshot keyed `name@source`, in the snapshot's order, with
 * its own points (a group's ticks without the metric left out): the per-series
 * view tests assert on.
 */
export function snapshotSeries(snap: Snapshot): Map<string, SnapshotSeries> {
  const out = new Map<string, SnapshotSeries>();
  for (const g of snap.groups) {
    const times = groupTimes(g);
    for (const name in g.values) {
      const s: SnapshotSeries = { name, source: g.source, channel: g.channel, stat: g.values[name], t: [], v: [] };
      columnPoints(g.history[name], times.length).forEach((v, i) => {
        if (v === null) return;
        s.t.push(times[i]);
        s.v.push(v);
      });
      out.set(seriesKey(name, g.source), s);
    }
  }
  return out;
}
