import type { ChannelName, TickEvent } from '../../shared/schema.js';
import { tickKeys, tickStats } from '../hub/tick-keys.js';
import { TIERS, TierRing, type TierSpec } from './tier.js';

/** The tiers of one (channel, source): each series' buckets in every tier. */
export class GroupTiers {
  readonly rings: TierRing[];
  /** Time of the newest tick folded in; ticks at or before it are not folded again (a replay, a reload). */
  through = -Infinity;
  private readonly times = new Map<string, number>();
  /**
   * The keys of the newest ticks whose time is not yet in `times`, and that
   * time: while a source's ticks carry the same keys array (tickKeys), a tick
   * writes one number here rather than one per series into the map.
   */
  private seen: { keys: readonly string[]; t: number } | null = null;

  constructor(
    readonly channel: ChannelName,
    readonly source: string,
    specs: readonly TierSpec[],
  ) {
    this.rings = specs.map((s) => new TierRing(s));
  }

  /** Empties every tier (the series stay registered). */
  restart(specs: readonly TierSpec[]): void {
    const keys = [...this.updated.keys()];
    this.rings.splice(0, this.rings.length, ...specs.map((s) => new TierRing(s)));
    this.through = -Infinity;
    for (const k of keys) this.updated.set(k, -Infinity);
  }

  /** Time of each series' newest tick, to forget series idle for longer than the longest tier. */
  get updated(): Map<string, number> {
    const s = this.seen;
    if (s) {
      this.seen = null;
      for (const k of s.keys) if (this.times.has(k)) this.times.set(k, s.t);
    }
    return this.times;
  }

  /** Every series of `keys` that the group holds had a tick at `t` (as setting each in `updated`). */
  saw(keys: readonly string[], t: number): void {
    if (this.seen?.keys === keys) this.seen.t = t;
    else {
      if (this.seen) void this.updated;
      this.seen = { keys, t };
    }
  }

  ring(name: string): TierRing | undefined {
    return this.rings.find((r) => r.spec.name === name);
  }

  get bytes(): number {
    let n = 0;
    for (const r of this.rings) n += r.bytes;
    return n;
  }
}

export interface TierStoreOptions {
  specs?: readonly TierSpec[];
  /** Series held at most; past it new series are not tiered (old ones are never dropped for them). */
  maxSeries?: number;
  /** The wall clock, to tell a replayed tick from a clock that jumped back. */
  now?: () => number;
  /** Ticks held at most while a writer holds the store. */
  maxHeld?: number;
}


/** How far in the future a group's newest tick may be before the clock is taken to have jumped back, ms. */
const FUTURE_SLACK = 5 * 60_000;

/**
 * Every group's coarse tiers, folded from the same ticks as the projection.
 * Folding a tick costs O(series of the tick × tiers); memory is fixed per series
 * (TierRing), whatever the number of ticks.
 */
export class TierStore {
  readonly specs: readonly TierSpec[];
  readonly groups = new Map<string, GroupTiers>();
  private readonly maxSeries: number;
  private series = 0;
  private lastSweep = 0;
  /** Bumped on every fold or load: a persister writes only when it changed. */
  version = 0;
  /** Ticks that came while held, folded in order on release. */
  private held: [ChannelName, TickEvent][] | null = null;
  /** A tick folded in place while held (past maxHeld): what a writer handed over may be torn. */
  private overflowed = false;
  private readonly maxHeld: number;

  private readonly now: () => number;
  /** The values of the tick being folded, in its keys' order (scratch). */
  private vs = new Float64Array(64);

  constructor({ specs = TIERS, maxSeries = 10_000, now = Date.now, maxHeld = 10_000 }: TierStoreOptions = {}) {
    this.specs = specs;
    this.maxHeld = maxHeld;
    this.now = now;
    this.maxSeries = maxSeries;
  }

  /** Series held (metric of a source). */
  get size(): number {
    return this.series;
  }

  get bytes(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.bytes;
    return n;
  }

  group(channel: ChannelName, source: string): GroupTiers | undefined {
    return this.groups.get(`${channel}@${source}`);
  }

  /** The group, created empty if new (loading state uses it too). */
  groupOf(channel: ChannelName, source: string): GroupTiers {
    const key = `${channel}@${source}`;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = new GroupTiers(channel, source, this.specs)));
    return g;
  }

  /**
   * Holds every fold until release(), so that the rings' memory stays as it is
   * while a writer hands it to the file system without copying it. Ticks that
   * come meanwhile wait in order (a write holds for some tens of ms: a few ticks);
   * past maxHeld they fold at once rather than wait without bound, and
   * release() says so: the writer must not keep what it wrote.
   */
  hold(): void {
    this.held ??= [];
  }

  /** Folds the ticks held; false when some could not wait (the rings changed while held). */
  release(): boolean {
    const q = this.held;
    const whole = !this.overflowed;
    this.held = null;
    this.overflowed = false;
    if (q) for (const [channel, tick] of q) this.fold(channel, tick);
    return whole;
  }

  fold(channel: ChannelName, tick: TickEvent): void {
    if (this.held) {
      if (this.held.length < this.maxHeld) return void this.held.push([channel, tick]);
      this.overflowed = true;
    }
    const { t, values } = tick;
    if (t - this.lastSweep > 60_000) this.sweep(t);
    const g = this.groupOf(channel, tick.source);
    if (!(t > g.through)) {
      // A tick at or before one folded is a replay, unless what was folded lies in the future:
      // then the clock jumped back, and that state would hold every tick off until it caught up.
      if (!(g.through > this.now() + FUTURE_SLACK)) return;
      g.restart(this.specs);
    }
    g.through = t;
    // Each series' value read once, then folded into every tier whose bucket is open.
    const rings = g.rings;
    const keys = tickKeys(values);
    let vs = this.vs;
    if (vs.length < keys.length) this.vs = vs = new Float64Array(Math.max(keys.length, 2 * vs.length));
    const stats = tickStats(values);
    for (let k = 0; k < keys.length; k++) vs[k] = stats[k].v;
    for (let i = 0; i < rings.length; i++) {
      const slot = rings[i].slotFor(t);
      if (slot >= 0) rings[i].foldTick(slot, keys, vs, this.admitTo(g));
    }
    g.saw(keys, t);
    this.version++;
  }

  /** admit() for a group's new series, as TierRing.foldTick asks. */
  private admitTo(g: GroupTiers): (key: string) => boolean {
    return (key) => this.admit(g, key);
  }

  /** Registers a series the first time it is seen in a ring; false past maxSeries. */
  private admit(g: GroupTiers, key: string): boolean {
    if (!g.updated.has(key)) {
      if (this.series >= this.maxSeries) return false;
      g.updated.set(key, -Infinity);
      this.series++;
    }
    return true;
  }

  /** Adds a loaded series to the count (state read at start), within maxSeries. */
  adopt(g: GroupTiers, key: string, updated: number): boolean {
    if (g.updated.has(key)) return true;
    if (this.series >= this.maxSeries) return false;
    g.updated.set(key, updated);
    this.series++;
    this.version++;
    return true;
  }

  /** Forgets one series of a group (a sweep; a replayed log that no longer holds it). */
  forget(g: GroupTiers, key: string): void {
    if (!g.updated.delete(key)) return;
    for (const r of g.rings) r.series.delete(key);
    this.series--;
    this.version++;
  }

  /** Forgets a whole group (`channel@source`) and its series. */
  forgetGroup(key: string): void {
    const g = this.groups.get(key);
    if (!g) return;
    this.series -= g.updated.size;
    this.groups.delete(key);
    this.version++;
  }

  /** Forgets series without a tick for longer than the longest tier spans (nothing of them is left to show). */
  sweep(now: number): void {
    this.lastSweep = now;
    const keep = Math.max(...this.specs.map((s) => s.step * s.capacity));
    for (const [gk, g] of this.groups) {
      for (const [key, t] of g.updated) if (now - t > keep) this.forget(g, key);
      if (!g.updated.size) this.groups.delete(gk);
    }
  }

  clear(): void {
    this.groups.clear();
    this.series = 0;
    this.version++;
  }
}
