/** One bucket of a cumulative histogram: observations at most `le`. */
export interface Bucket {
  le: number;
  count: number;
}

/**
 * The q-quantile of cumulative buckets (sorted by `le`, the last +Inf), computed
 * the way Prometheus's histogram_quantile does: find the bucket holding rank
 * q·total and interpolate linearly inside it, the first bucket starting at 0
 * (or at its bound when that is ≤ 0); a rank in the +Inf bucket gives the
 * highest finite bound. NaN when there is nothing to rank (no observations,
 * no +Inf bucket, fewer than two buckets).
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const n = buckets.length;
  if (n < 2 || buckets[n - 1].le !== Infinity) return NaN;
  // Counts must not fall from one bucket to the next; Prometheus evens out such
  // dips (from scrapes that saw buckets at different moments) the same way.
  const counts = new Array<number>(n);
  let max = 0;
  for (let i = 0; i < n; i++) counts[i] = max = Math.max(max, buckets[i].count);
  const total = counts[n - 1];
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let b = 0;
  while (b < n - 1 && counts[b] < rank) b++;
  if (b === n - 1) return buckets[n - 2].le;
  if (b === 0 && buckets[0].le <= 0) return buckets[0].le;
  const start = b === 0 ? 0 : buckets[b - 1].le;
  const end = buckets[b].le;
  const below = b === 0 ? 0 : counts[b - 1];
  const inBucket = counts[b] - below;
  return start + (end - start) * ((rank - below) / inBucket);
}
