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
  /**
   * Windows by source, then by metric key: a source's keys are the same strings
   * tick after tick, so a lookup hashes nothing new (a `key@source` string made
   * per record had to be hashed every time).
   */
  private readonly windows = new Map<string, Map<string, SlidingWindow>>();
  private count = 0;
  /** Label sets held per name@source. */
  private readonly labelSets = new Map<string, number>();

  constructor(
    private readonly options: WindowOptions = {},
    readonly maxSeries = 10_000,
    readonly maxLabelSets = 256,
  ) {}

  /** Windows forgotten (delete) so far: while it stays the same, every window handed out is still held. */
  private forgottenCount = 0;

  get size(): number {
    return this.count;
  }

  get forgotten(): number {
    return this.forgottenCount;
  }

  /**
   * The window of a series held, for a producer that records the same series
   * tick after tick (a scrape target): it pushes to the window and reads its
   * live stat itself, with no lookup per series, for as long as `forgotten`
   * has not changed since.
   */
  held(key: string, source: string): SlidingWindow | undefined {
    return this.windows.get(source)?.get(key);
  }

  has(key: string, source: string): boolean {
    return this.windows.get(source)?.has(key) ?? false;
  }

  /** Label sets held for a metric name of a source. */
  labelSetCount(name: string, source: string): number {
    return this.labelSets.get(seriesKey(name, source)) ?? 0;
  }

  /** Why a new series of this metric key could not be held, or null. */
  refusal(key: string, source: string): string | null {
    if (this.has(key, source)) return null;
    if (this.count >= this.maxSeries) return `too many distinct metrics: the cap is ${this.maxSeries}`;
    const name = keyName(key);
    if (name !== key && this.labelSetCount(name, source) >= this.maxLabelSets) return labelSetsRefusal(name, source, this.maxLabelSets);
    return null;
  }

  /**
   * Adds a sample to the series of a metric key (name and labels, shared/series.ts)
   * and returns the window's stat: the window's own object, refreshed in place
   * (SlidingWindow.live), so a 1,000-series source makes no garbage of Stats a
   * tick. It holds the figures until the series' next record: a tick's stats are
   * read while it is published (hub listeners run synchronously); anything that
   * keeps them longer copies them. `now` is when it arrived: a `t` ahead of it counts
   * as `now`, a late one never becomes `v` (SlidingWindow's rule on times). Throws
   * CardinalityError past a cap.
   */
  record(key: string, source: string, unit: string, t: number, v: number, now = Infinity): Stat {
    let bySource = this.windows.get(source);
    let w = bySource?.get(key);
    if (!w) {
      const why = this.refusal(key, source);
      if (why) throw new CardinalityError(why);
      w = new SlidingWindow(this.options);
      if (!bySource) this.windows.set(source, (bySource = new Map()));
      bySource.set(key, w);
      this.count++;
      const name = keyName(key);
      if (name !== key) this.labelSets.set(seriesKey(name, source), (this.labelSets.get(seriesKey(name, source)) ?? 0) + 1);
    }
    w.push(t, v, now);
    return w.live(unit);
  }

  delete(key: string, source: string): void {
    const bySource = this.windows.get(source);
    if (!bySource?.delete(key)) return;
    this.count--;
    this.forgottenCount++;
    if (!bySource.size) this.windows.delete(source);
    const name = keyName(key);
    if (name === key) return;
    const nk = seriesKey(name, source);
    const n = (this.labelSets.get(nk) ?? 1) - 1;
    if (n > 0) this.labelSets.set(nk, n);
    else this.labelSets.delete(nk);
  }
}
