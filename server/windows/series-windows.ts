import { seriesKey, type Stat } from '../../shared/schema.js';
import { keyName } from '../../shared/series.js';
import { SlidingWindow, type WindowOptions } from './window.js';

export class CardinalityError extends Error {}

export function labelSetsRefusal(name: string, source: string, cap: number): string {
  return `too many label sets for ${name} on ${source}: the cap is ${cap} per metric name`;
}

/**
 * The sliding windows of every series a sampler or ingest produces, with a cap on
 * how many, and on how many label sets one name of one source may have (a label
 * that takes a new value each sample must not eat the whole cap).
 */
export class SeriesWindows {
  private readonly windows = new Map<string, SlidingWindow>();
  /** Label sets held per name@source. */
  private readonly labelSets = new Map<string, number>();

  constructor(
    private readonly options: WindowOptions = {},
    readonly maxSeries = 10_000,
    readonly maxLabelSets = 256,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  has(key: string, source: string): boolean {
    return this.windows.has(seriesKey(key, source));
  }

  /** Label sets held for a metric name of a source. */
  labelSetCount(name: string, source: string): number {
    return this.labelSets.get(seriesKey(name, source)) ?? 0;
  }

  /** Why a new series of this metric key could not be held, or null. */
  refusal(key: string, source: string): string | null {
    if (this.windows.has(seriesKey(key, source))) return null;
    if (this.windows.size >= this.maxSeries) return `too many distinct metrics: the cap is ${this.maxSeries}`;
    const name = keyName(key);
    if (name !== key && this.labelSetCount(name, source) >= this.maxLabelSets) return labelSetsRefusal(name, source, this.maxLabelSets);
    return null;
  }

  /**
   * Adds a sample to the series of a metric key (name and labels, shared/series.ts)
   * and returns the window's stat. `now` is when it arrived: a `t` ahead of it counts
   * as `now`, a late one never becomes `v` (SlidingWindow's rule on times). Throws
   * CardinalityError past a cap.
   */
  record(key: string, source: string, unit: string, t: number, v: number, now = Infinity): Stat {
    const sk = seriesKey(key, source);
    let w = this.windows.get(sk);
    if (!w) {
      const why = this.refusal(key, source);
      if (why) throw new CardinalityError(why);
      w = new SlidingWindow(this.options);
      this.windows.set(sk, w);
      const name = keyName(key);
      if (name !== key) this.labelSets.set(seriesKey(name, source), (this.labelSets.get(seriesKey(name, source)) ?? 0) + 1);
    }
    w.push(t, v, now);
    return w.stat(unit);
  }

  delete(key: string, source: string): void {
    if (!this.windows.delete(seriesKey(key, source))) return;
    const name = keyName(key);
    if (name === key) return;
    const nk = seriesKey(name, source);
    const n = (this.labelSets.get(nk) ?? 1) - 1;
    if (n > 0) this.labelSets.set(nk, n);
    else this.labelSets.delete(nk);
  }
}
