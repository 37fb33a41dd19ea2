import type { TierStore } from '../../server/windows/tier-store.js';

/** Everything a store holds that a reader can see: each group's times, series, buckets with a count. */
export function stateOf(store: TierStore) {
  const groups: Record<string, unknown> = {};
  for (const [k, g] of [...store.groups].sort(([a], [b]) => a.localeCompare(b))) {
    groups[k] = {
      through: g.through,
      updated: [...g.updated].sort(([a], [b]) => a.localeCompare(b)),
      rings: g.rings.map((r) => {
        const series: Record<string, number[][]> = {};
        for (const [key, s] of r.series) {
          const filled: number[][] = [];
          for (let slot = 0; slot < r.spec.capacity; slot++) if (s.count[slot]) filled.push([slot, r.slots[slot], s.min[slot], s.max[slot], s.sum[slot], s.last[slot], s.count[slot]]);
          if (filled.length) series[key] = filled;
        }
        return { newest: r.newest, first: r.first, slots: [...r.slots], series };
      }),
    };
  }
  return { size: store.size, groups };
}
