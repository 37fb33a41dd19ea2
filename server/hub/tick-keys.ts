import type { Stat } from '../../shared/schema.js';

/** A tick's keys and stats by place, by the values object, for as long as the tick lives. */
const placesOf = new WeakMap<object, { keys: readonly string[]; stats?: readonly Stat[] }>();

/**
 * The keys of a tick's values in their order (Object.keys', which is for-in's
 * for a tick), worked out once per tick for every stage that reads the tick
 * (encoder, projection, tiers, checks): a tick of a scrape target holds
 * hundreds of keys in a dictionary, and listing them costs about as much as
 * reading every value. A tick's keys never change once published (its stats
 * do: they are its windows' live ones, SeriesWindows.record); the array is
 * shared, so it must not be changed either.
 */
export function tickKeys(values: object): readonly string[] {
  let p = placesOf.get(values);
  if (!p) placesOf.set(values, (p = { keys: Object.keys(values) }));
  return p.keys;
}

/**
 * The stats of a tick in the order of tickKeys: stage after stage reads a
 * series' stat by its place rather than by a lookup of its key in the
 * dictionary. Shared like the keys; never changed.
 */
export function tickStats(values: Readonly<Record<string, Stat>>): readonly Stat[] {
  const keys = tickKeys(values);
  const p = placesOf.get(values)!;
  if (!p.stats) {
    const stats = new Array<Stat>(keys.length);
    for (let i = 0; i < keys.length; i++) stats[i] = values[keys[i]];
    p.stats = stats;
  }
  return p.stats;
}

/**
 * Says what tickKeys(values) and tickStats(values) are, from a producer that
 * inserted the keys itself (in this order, each once) and holds their stats
 * by place: a scrape target's tick of hundreds of keys then costs no
 * Object.keys, which walks and sorts the dictionary, nor a lookup per series.
 * Passing the same array as the producer's previous tick while its keys are
 * unchanged lets every stage that compares a group's keys with the last
 * (sameKeys) see it at once.
 */
export function withTickKeys<T extends object>(values: T, keys: readonly string[], stats?: readonly Stat[]): T {
  placesOf.set(values, stats ? { keys, stats } : { keys });
  return values;
}
