import type { SeriesStore } from './series-store.js';

/** A mounted tile that can show new data without a render (see LiveTiles). */
export interface LiveTile {
  /**
   * Shows the store's data of this tile's series as of `now` without a render,
   * when only its live figures, age and points changed; false when anything
   * else would change (staleness, trend, a unit shown or not, a new ring): the
   * page renders then. True also when nothing changed.
   */
  liveUpdate(store: SeriesStore, interval: number, now: number): boolean;
}

/**
 * The tiles on the page, for frames in which only values changed (the common
 * tick): each updates itself straight from the store (its figures, its
 * sparkline's points) and the page builds no view and runs no render over all
 * of its tiles. The page renders when the structure changed (tiles came or
 * went, checks, the connection, the window) or a tile says it must.
 */
export class LiveTiles {
  /** In mount order; an array walked by index (this runs once a tick, mostly unoptimised, where for-of makes an object a step). */
  private readonly tiles: LiveTile[] = [];

  add(t: LiveTile): void {
    if (!this.tiles.includes(t)) this.tiles.push(t);
  }

  delete(t: LiveTile): void {
    const i = this.tiles.indexOf(t);
    if (i >= 0) this.tiles.splice(i, 1);
  }

  get size(): number {
    return this.tiles.length;
  }

  /**
   * Brings every tile up to the store; false as soon as one cannot be (the
   * tiles before it are up to date: a render then leaves them as they are).
   */
  update(store: SeriesStore, interval: number, now: number): boolean {
    const tiles = this.tiles;
    for (let i = 0; i < tiles.length; i++) if (!tiles[i].liveUpdate(store, interval, now)) return false;
    return true;
  }
}
