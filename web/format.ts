/**
 * Human units for the page. Every value is shown with its unit, split so the
 * unit can be styled apart: `{ value: '1.5', unit: 'MiB' }`.
 *
 * - `%`: one decimal below 100.
 * - `B`, `B/s`: binary multiples (KiB, MiB, GiB, TiB), since memory and
 *   transfer sizes are reported by the kernel in powers of two.
 * - `ms`: µs below 1 ms, seconds from 1000 ms.
 * - `s`: durations as `3 d 4 h`, `5 h 12 m`, `42 s`.
 * - `/s`, no unit, anything else: SI suffixes (k, M, G) on the number.
 */
export interface Formatted {
  value: string;
  unit: string;
}

/** Three significant figures at most, without trailing noise. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '–' : x > 0 ? '∞' : '-∞';
  const a = Math.abs(x);
  if (a === 0) return '0';
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  const s = x.toFixed(digits);
  return digits ? s.replace(/\.?0+$/, '') : s;
}

const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
const SI = ['', 'k', 'M', 'G', 'T', 'P'];

function scaled(x: number, base: number, prefixes: string[]): [string, string] {
  let i = 0;
  let a = Math.abs(x);
  // Round first so 1023.9 shows as 1 KiB, not 1024 B.
  while (i < prefixes.length - 1 && Number(formatNumber(a)) >= base) {
    a /= base;
    i++;
  }
  return [formatNumber(x < 0 ? -a : a), prefixes[i]];
}

function duration(sec: number): Formatted {
  const a = Math.abs(sec);
  if (a < 60) return { value: formatNumber(sec), unit: 's' };
  const sign = sec < 0 ? '-' : '';
  const d = Math.floor(a / 86400);
  const h = Math.floor((a % 86400) / 3600);
  const m = Math.floor((a % 3600) / 60);
  const s = Math.floor(a % 60);
  if (d) return { value: `${sign}${d} d ${h}`, unit: 'h' };
  if (h) return { value: `${sign}${h} h ${m}`, unit: 'm' };
  return { value: `${sign}${m} m ${s}`, unit: 's' };
}

export function formatValue(x: number, unit: string): Formatted {
  if (!Number.isFinite(x)) return { value: formatNumber(x), unit };
  switch (unit) {
    case '%':
      return { value: Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1), unit: '%' };
    case 'B':
    case 'B/s': {
      const [value, p] = scaled(x, 1024, BINARY);
      return { value, unit: p + unit };
    }
    case 'ms': {
      const a = Math.abs(x);
      if (a > 0 && a < 1) return { value: formatNumber(x * 1000), unit: 'µs' };
      if (a >= 1000) return duration(x / 1000);
      return { value: formatNumber(x), unit: 'ms' };
    }
    case 's':
      return duration(x);
    default: {
      const [value, p] = scaled(x, 1000, SI);
      if (!unit) return { value: value + p, unit: '' };
      return { value, unit: unit.startsWith('/') ? `${p}${unit}` : `${p}${p ? ' ' : ''}${unit}` };
    }
  }
}

/** One string, for titles and min/max/avg lines: `1.5 MiB`. */
export function formatText(x: number, unit: string): string {
  const f = formatValue(x, unit);
  return f.unit ? `${f.value} ${f.unit}` : f.value;
}

/**
 * "now", "4 s ago", "3 min ago", "2 h ago". Under two seconds is "now", so a
 * tile fed every second keeps the same text between points (no repaint).
 */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 2) return 'now';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** A tile's overrides from the dashboard: `value × scale` in `unit`, with `decimals` when set. */
export interface DisplayFormat {
  scale: number;
  unit: string | null;
  decimals: number | null;
}

export function formatWith(x: number, unit: string, f: DisplayFormat | null): Formatted {
  if (!f) return formatValue(x, unit);
  const v = x * f.scale;
  const u = f.unit ?? unit;
  return f.decimals === null ? formatValue(v, u) : { value: v.toFixed(f.decimals), unit: u };
}

export function formatWithText(x: number, unit: string, f: DisplayFormat | null): string {
  const r = formatWith(x, unit, f);
  return r.unit ? `${r.value} ${r.unit}` : r.value;
}
