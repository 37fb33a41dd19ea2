/** The keys of a tick's values by the values object, for as long as the tick lives. */
const keysOf = new WeakMap<object, readonly string[]>();

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
  let keys = keysOf.get(values);
  if (!keys) keysOf.set(values, (keys = Object.keys(values)));
  return keys;
}

/**
 * Says what tickKeys(values) is, from a producer that inserted the keys itself
 * (in this order, each once): a scrape target's tick of hundreds of keys then
 * costs no Object.keys, which walks and sorts the dictionary. Passing the same
 * array as the producer's previous tick while its keys are unchanged lets every
 * stage that compares a group's keys with the last (sameKeys) see it at once.
 */
export function withTickKeys<T extends object>(values: T, keys: readonly string[]): T {
  keysOf.set(values, keys);
  return values;
}
