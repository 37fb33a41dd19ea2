import type { Tile } from '../../shared/dashboards.js';
import { type CheckState, type Stat } from '../../shared/schema.js';
import { parseMetricKey } from '../../shared/series.js';
import { checkId, type TilePlace } from '../../shared/tile-match.js';
import { LevelJudge } from './levels.js';

/** A series without a sample for this long reads `unknown` when its tile sets no `stale`, ms. */
export const DEFAULT_STALE = 30_000;

/** The title a check goes by: the tile's, with the series' label values ("Disk busy sda"), or the metric key. */
export function checkTitle(tile: Tile, key: string): string {
  if (!tile.title) return key;
  const { labels } = parseMetricKey(key);
  let out = tile.title;
  for (const k in labels) if (!tile.labels || !Object.hasOwn(tile.labels, k) || /[*?]/.test(tile.labels[k])) out += ` ${labels[k]}`;
  return out;
}

/**
 * One series of one judged tile: its levels over time, and its state as the
 * API shows it. `observe` feeds a window; `expire` turns it unknown once its
 * series has been silent for the tile's `stale`. Each returns whether the
 * status changed (the only changes worth an event).
 */
export class Check {
  readonly state: CheckState;
  private readonly judge: LevelJudge;
  readonly stale: number;

  constructor(
    dashboard: string,
    place: TilePlace,
    readonly tile: Tile,
    key: string,
    source: string,
    since: number,
  ) {
    this.judge = new LevelJudge(tile);
    this.stale = tile.stale ?? DEFAULT_STALE;
    this.state = {
      id: checkId(dashboard, place, key, source),
      dashboard,
      title: checkTitle(tile, key),
      metric: key,
      source,
      status: 'unknown',
      value: null,
      level: null,
      since,
    };
  }

  observe(stat: Stat, t: number): boolean {
    const value = stat[this.tile.on ?? 'v'] * (this.tile.scale ?? 1);
    const { status, level } = this.judge.judge(value, t);
    const changed = status !== this.state.status;
    this.state.value = value;
    this.state.level = level;
    if (changed) {
      this.state.status = status;
      this.state.since = t;
    }
    return changed;
  }

  /** `seen`: time of the series' last sample. */
  expire(seen: number, now: number): boolean {
    if (this.state.status === 'unknown' || now - seen <= this.stale) return false;
    this.judge.reset();
    this.state.status = 'unknown';
    this.state.value = null;
    this.state.level = null;
    this.state.since = now;
    return true;
  }
}
