/** Latency histogram in whole milliseconds; mergeable across processes as plain [ms, count] pairs. */
export class MsHistogram {
  readonly counts = new Map<number, number>();
  total = 0;

  add(ms: number): void {
    const k = Math.max(0, Math.round(ms));
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    this.total++;
  }

  merge(pairs: Array<[number, number]>): void {
    for (const [k, n] of pairs) {
      this.counts.set(k, (this.counts.get(k) ?? 0) + n);
      this.total += n;
    }
  }

  pairs(): Array<[number, number]> {
    return [...this.counts];
  }

  /** The q-quantile (0..1), or NaN when empty. */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (const k of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(k)!;
      if (seen >= rank) return k;
    }
    return NaN;
  }
}

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** A plain text table, columns right-aligned except the first. */
export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

export const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
