import type { Stat, Trend } from '../../shared/schema.js';

/**
 * A Stat that lives long and is refreshed in place every tick: a window's own
 * (SlidingWindow.live) and the projection's copy of it. A class, so its objects
 * have a map of their own whose number fields hold doubles updated in place.
 * As object literals they shared V8's map tree with every literal whose first
 * fields are `v`, `min`, … (the tick writer's field-name tables hold strings
 * there), so those fields were tagged: each store of a fraction allocated a
 * heap number, young garbage that old objects pointed at, ~2,000 a round for a
 * 1,000-series scrape target.
 */
export class StatCell implements Stat {
  v = NaN;
  min = NaN;
  max = NaN;
  avg = NaN;
  n = 0;
  trend: Trend = 'stable';
  u: string;

  constructor(u: string) {
    this.u = u;
  }
}

/** `to` made equal to `from`, field by field. */
export function copyStat(to: Stat, from: Stat): void {
  to.v = from.v;
  to.min = from.min;
  to.max = from.max;
  to.avg = from.avg;
  to.n = from.n;
  to.trend = from.trend;
  to.u = from.u;
}

/** A StatCell holding `from`'s figures. */
export function statCell(from: Stat): StatCell {
  const cell = new StatCell(from.u);
  copyStat(cell, from);
  return cell;
}
