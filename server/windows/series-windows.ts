import { seriesKey, type Stat } from '../../shared/schema.js';
import { SlidingWindow, type WindowOptions } from './window.js';

export class CardinalityError extends Error {}

/** The sliding windows of every series a sampler or ingest produces, with a cap on how many. */
export class SeriesWindows {
  private readonly windows = new Map<string, SlidingWindow>();

  constructor(
    private readonly options: WindowOptions = {},
    readonly maxSeries = 10_000,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  has(name: string, source: string): boolean {
    return this.windows.has(seriesKey(name, source));
  }

  /** Adds a sample and returns the window's stat. Throws CardinalityError past the cap. */
  record(name: string, source: string, unit: string, t: number, v: number): Stat {
    const key = seriesKey(name, source);
    let w = this.windows.get(key);
    if (!w) {
      if (this.windows.size >= this.maxSeries) {
        throw new CardinalityError(`too many distinct metrics: the cap is ${this.maxSeries}`);
      }
      w = new SlidingWindow(this.options);
      this.windows.set(key, w);
    }
    w.push(t, v);
    return w.stat(unit);
  }

  delete(name: string, source: string): void {
    this.windows.delete(seriesKey(name, source));
  }
}
