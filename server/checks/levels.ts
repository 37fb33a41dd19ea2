import type { Tile } from '../../shared/dashboards.js';

export type Judged = { status: 'ok' | 'warn' | 'critical'; level: number | null };

/** Relative hysteresis when a tile sets none: a level of 90 clears at 85.5. */
export const DEFAULT_HYSTERESIS = 0.05;

/**
 * One level as a Schmitt trigger: it trips when the value goes past the level
 * (above it, or below it with `below`) and resets only once the value is back
 * past the level by `hysteresis`, so a value hovering at the line does not
 * flap. `since` is when it tripped, for `for`.
 */
class Trigger {
  since: number | null = null;

  constructor(
    readonly level: number,
    private readonly hysteresis: number,
    private readonly below: boolean,
  ) {}

  update(value: number, t: number): void {
    if (this.since === null) {
      if (this.below ? value < this.level : value > this.level) this.since = t;
    } else if (this.below ? value >= this.level + this.hysteresis : value <= this.level - this.hysteresis) {
      this.since = null;
    }
  }

  /** Tripped for at least `hold` ms at time `t`. */
  holds(t: number, hold: number): boolean {
    return this.since !== null && t - this.since >= hold;
  }
}

/**
 * A tile's levels applied to one series' values over time: `judge(value, t)`
 * is `critical` once the critical level has held for `for` ms, else `warn` once
 * the warn level has, else `ok`. Times are the ticks' (ms); they never go back.
 */
export class LevelJudge {
  private readonly warn: Trigger | null;
  private readonly critical: Trigger | null;
  private readonly hold: number;

  constructor(tile: Pick<Tile, 'warn' | 'critical' | 'below' | 'for' | 'hysteresis'>) {
    const below = tile.below ?? false;
    const trigger = (level: number | undefined) =>
      level === undefined ? null : new Trigger(level, tile.hysteresis ?? Math.abs(level) * DEFAULT_HYSTERESIS, below);
    this.warn = trigger(tile.warn);
    this.critical = trigger(tile.critical);
    this.hold = tile.for ?? 0;
  }

  judge(value: number, t: number): Judged {
    this.warn?.update(value, t);
    this.critical?.update(value, t);
    if (this.critical?.holds(t, this.hold)) return { status: 'critical', level: this.critical.level };
    if (this.warn?.holds(t, this.hold)) return { status: 'warn', level: this.warn.level };
    return { status: 'ok', level: null };
  }

  /** Forgets every trip (the series went stale: when it is back, levels must hold anew). */
  reset(): void {
    if (this.warn) this.warn.since = null;
    if (this.critical) this.critical.since = null;
  }
}
