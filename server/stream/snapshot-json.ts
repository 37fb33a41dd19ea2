import type { Snapshot } from '../../shared/schema.js';

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
  const plain = String(p);
  const exp = p.toExponential().replace('e+', 'e');
  return exp.length < plain.length ? exp : plain;
}

/**
 * The snapshot as JSON, with its history points written by compactNumber: for
 * the default page (39 series, 60 points) that is about a tenth smaller, byte
 * counts and timers most. Everything else is JSON.stringify's.
 */
export function snapshotJson(snap: Snapshot): string {
  const { groups, ...head } = snap;
  const body = groups.map(({ history, lo, hi, ...group }) => {
    let out = `${JSON.stringify(group).slice(0, -1)},"history":${columnsJson(history)}`;
    if (lo) out += `,"lo":${columnsJson(lo)}`;
    if (hi) out += `,"hi":${columnsJson(hi)}`;
    return `${out}}`;
  });
  return `${JSON.stringify(head).slice(0, -1)},"groups":[${body.join(',')}]}`;
}

function columnsJson(cols: Record<string, (number | null)[]>): string {
  const series = Object.keys(cols).map((name) => `${JSON.stringify(name)}:[${cols[name].map((v) => (v === null || !Number.isFinite(v) ? 'null' : compactNumber(v))).join(',')}]`);
  return `{${series.join(',')}}`;
}
