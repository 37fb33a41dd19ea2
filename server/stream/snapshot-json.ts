import type { ExpandedGroup, ExpandedSnapshot } from '../../shared/schema.js';

/** The shorter of a number's plain and exponent JSON forms (`2.469e10`, `52.38`). */
function shortest(p: number): string {
  const plain = String(p);
  const exp = p.toExponential().replace('e+', 'e');
  return exp.length < plain.length ? exp : plain;
}

/**
 * A history point in its shortest JSON form at 4 significant digits:
 * 24693260288 → 2.469e10, 52.381 → 52.38, 583254016 → 5.833e8; whole numbers
 * under 10,000 stay exact. A sparkline is some 40 px tall, so 4 digits (1 part in
 * 10,000) is far below what it can show; the stats in `values` stay exact.
 */
export function compactNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 10_000) return String(x);
  const p = Number(x.toPrecision(4));
  // Rounding up past the largest double (1.7976931348623157e308) gives Infinity, which JSON cannot carry.
  if (!Number.isFinite(p)) return String(x);
  return shortest(p);
}

/**
 * The power of ten a column's points are rounded to: a hundredth of the
 * column's spread (its highest point less its lowest, as a power of ten), so
 * 100 to 1,000 steps lie between its lowest and highest point, finer than the
 * pixels of a sparkline drawn over that spread. -Infinity (no rounding beyond
 * compactNumber's) for a column without spread.
 */
export function columnExponent(cols: readonly ((number | null)[] | undefined)[]): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of cols) {
    if (!c) continue;
    for (const v of c) {
      if (v === null || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const spread = hi - lo;
  return spread > 0 && Number.isFinite(spread) ? Math.floor(Math.log10(spread)) - 2 : -Infinity;
}

/**
 * A point rounded to 10^`e` (columnExponent), or to compactNumber's 4
 * significant digits when those are coarser: never finer than 4 digits, never
 * coarser than a hundredth of the column's spread.
 */
export function pointJson(x: number, e: number): string {
  if (e === -Infinity || x === 0) return compactNumber(x);
  const digits = Math.floor(Math.log10(Math.abs(x))) - e + 1;
  if (digits >= 4) return compactNumber(x);
  // Under one step: 0 or one step (written as text, so that no binary error creeps in).
  if (digits < 1) return digits === 0 && Math.abs(x) >= 5 * 10 ** (e - 1) ? shortest(Number(`${x < 0 ? '-' : ''}1e${e}`)) : '0';
  const p = Number(x.toPrecision(digits));
  return Number.isFinite(p) ? shortest(p) : compactNumber(x);
}

/** A column: one number when every point has the same (non-null) value, else its points. */
function columnJson(c: (number | null)[], e: number): string {
  const first = c[0];
  if (first !== undefined && first !== null && Number.isFinite(first) && c.every((v) => v === first)) return compactNumber(first);
  return `[${c.map((v) => (v === null || !Number.isFinite(v) ? 'null' : pointJson(v, e))).join(',')}]`;
}

/** `dt` (and `points` when it is one number): one number when every gap is the same and that is shorter. */
function timelineJson(dt: number[]): string {
  const even = dt.length > 2 && dt.every((d) => d === dt[0]);
  return even ? `"dt":${dt[0]},"points":${dt.length + 1}` : `"dt":${JSON.stringify(dt)}`;
}

function groupJson({ dt, history, lo, hi, ...group }: ExpandedGroup): string {
  let h = '';
  let l = '';
  let u = '';
  for (const name of Object.keys(history)) {
    // lo, hi and the average of a series share one rounding: they are drawn on one axis.
    const e = columnExponent([history[name], lo?.[name], hi?.[name]]);
    const key = JSON.stringify(name);
    h += `${h ? ',' : ''}${key}:${columnJson(history[name], e)}`;
    if (lo?.[name]) l += `${l ? ',' : ''}${key}:${columnJson(lo[name], e)}`;
    if (hi?.[name]) u += `${u ? ',' : ''}${key}:${columnJson(hi[name], e)}`;
  }
  let out = `${JSON.stringify(group).slice(0, -1)},${timelineJson(dt)},"history":{${h}}`;
  if (lo) out += `,"lo":{${l}}`;
  if (hi) out += `,"hi":{${u}}`;
  return `${out}}`;
}

/**
 * The snapshot as JSON in its compact form (README, "The stream"): history
 * points rounded per column (pointJson), a column that never changes as one
 * number, evenly spaced times as one `dt`. For the default page (50 series, 60
 * points) that is about a fifth fewer bytes (scripts/bench-tiers.ts).
 * Everything else is JSON.stringify's, the stats in `values` exact.
 */
export function snapshotJson(snap: ExpandedSnapshot): string {
  const { groups, ...head } = snap;
  return `${JSON.stringify(head).slice(0, -1)},"groups":[${groups.map(groupJson).join(',')}]}`;
}
