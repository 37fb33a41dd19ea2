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
  const les = new Array<number>(n);
  const counts = new Array<number>(n);
  for (let i = 0; i < n; i++) (les[i] = buckets[i].le), (counts[i] = buckets[i].count);
  return quantileOfCounts(q, les, evenOut(counts, n));
}

/**
 * Counts must not fall from one bucket to the next; Prometheus evens out such
 * dips (from scrapes that saw buckets at different moments) the same way.
 * In place; returns `counts`.
 */
export function evenOut<T extends { [i: number]: number }>(counts: T, n: number): T {
  let max = 0;
  for (let i = 0; i < n; i++) counts[i] = max = Math.max(max, counts[i]);
  return counts;
}

/**
 * histogramQuantile on bounds `les` (sorted) and cumulative counts already
 * evened out (evenOut), as arrays: what Folder uses, computing three quantiles
 * of one histogram from one array of counts.
 */
export function quantileOfCounts(q: number, les: readonly number[], counts: { readonly [i: number]: number }): number {
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const n = les.length;
  if (n < 2 || les[n - 1] !== Infinity) return NaN;
  const total = counts[n - 1];
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let b = 0;
  while (b < n - 1 && counts[b] < rank) b++;
  if (b === n - 1) return les[n - 2];
  if (b === 0 && les[0] <= 0) return les[0];
  const start = b === 0 ? 0 : les[b - 1];
  const end = les[b];
  const below = b === 0 ? 0 : counts[b - 1];
  const inBucket = counts[b] - below;
  return start + (end - start) * ((rank - below) / inBucket);
}
