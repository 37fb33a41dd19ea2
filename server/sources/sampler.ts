import type { ChannelName, TickEvent } from '../../shared/schema.js';
import { keyedByMetric, metricKey, type Labels } from '../../shared/series.js';
import { CardinalityError } from '../windows/series-windows.js';
import type { Hub } from '../hub/hub.js';
import type { SeriesWindows } from '../windows/series-windows.js';

export interface Reading {
  name: string;
  /** A few bounded labels (cpu, mode, device, mountpoint, interface); legal values only (labelValue). */
  labels?: Labels;
  unit: string;
  v: number;
}

/** Something that produces one channel's readings when asked; it never knows about clients. */
export interface Source {
  readonly channel: ChannelName;
  /**
   * Significant digits its readings are good for (absent: exact). A rate over a
   * 1 s interval timed to the millisecond, or a CPU share of 10 ms jiffies, means
   * three digits at best: more is noise that costs bytes on every tick. Values and
   * window averages are rounded to it; whole numbers (bytes, counts) stay exact.
   */
  readonly digits?: number;
  /** Called once before the first sample (prime counters, read static facts). */
  start?(): Promise<void> | void;
  sample(now: number): Promise<Reading[]> | Reading[];
  stop?(): Promise<void> | void;
}

export interface SamplerOptions {
  /** Where ticks go: the hub, or a tap in front of it. */
  hub: Pick<Hub, 'publish'>;
  windows: SeriesWindows;
  /** Name of this instance or host in every tick. */
  source: string;
  interval: number;
  now?: () => number;
  onError?: (err: unknown, source: Source) => void;
}

/**
 * Runs every source on one timer at one cadence, whatever the number of clients,
 * folds readings into windows and publishes one tick per channel. A source still
 * busy from the last round is skipped rather than queued.
 */
export class Sampler {
  private readonly sources: Source[] = [];
  private readonly busy = new Set<Source>();
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  /** Readings left out because a cardinality cap was reached. */
  dropped = 0;
  private readonly now: () => number;

  constructor(private readonly opts: SamplerOptions) {
    this.now = opts.now ?? Date.now;
  }

  add(...sources: Source[]): this {
    this.sources.push(...sources);
    return this;
  }

  /** The sources added, in order. */
  get all(): readonly Source[] {
    return this.sources;
  }

  /** Rounds completed since start; readiness means at least one. */
  get rounds(): number {
    return this.ticks;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    await Promise.all(this.sources.map((s) => s.start?.()));
    this.timer = setInterval(() => void this.round(), this.opts.interval);
    this.timer.unref?.();
    await this.round();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.sources.map((s) => s.stop?.()));
  }

  /** One sampling round: every idle source once. */
  async round(): Promise<void> {
    await Promise.all(this.sources.map((s) => this.sampleOne(s)));
    this.ticks++;
  }

  private async sampleOne(src: Source): Promise<void> {
    if (this.busy.has(src)) return;
    this.busy.add(src);
    try {
      const t = this.now();
      const readings = await src.sample(t);
      if (readings.length === 0) return;
      const tick: TickEvent = { t, source: this.opts.source, values: keyedByMetric() };
      for (const r of readings) {
        if (!Number.isFinite(r.v)) continue;
        const key = metricKey(r.name, r.labels);
        try {
          const d = src.digits;
          const stat = this.opts.windows.record(key, this.opts.source, r.unit, t, d ? toDigits(r.v, d) : r.v);
          if (d) stat.avg = toDigits(stat.avg, d);
          tick.values[key] = stat;
        } catch (err) {
          // A reading past a cardinality cap is left out; the rest of the round goes on.
          if (!(err instanceof CardinalityError)) throw err;
          this.dropped++;
        }
      }
      this.opts.hub.publish(src.channel, tick);
    } catch (err) {
      this.opts.onError?.(err, src);
    } finally {
      this.busy.delete(src);
    }
  }
}

/** `x` to `digits` significant digits; whole numbers stay as they are. */
export function toDigits(x: number, digits: number): number {
  return Number.isInteger(x) ? x : Number(x.toPrecision(digits));
}
