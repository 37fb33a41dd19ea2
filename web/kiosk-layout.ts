export interface GridFit {
  cols: number;
  rows: number;
}

/**
 * Columns and rows for `n` tiles filling a `width`×`height` box without
 * scrolling, choosing the split whose tiles come closest to `aspect`
 * (width/height) while being as large as possible.
 */
export function fitGrid(n: number, width: number, height: number, aspect = 1.6): GridFit {
  if (n <= 0 || width <= 0 || height <= 0) return { cols: 1, rows: 1 };
  let best: GridFit = { cols: 1, rows: n };
  let bestScore = -1;
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    if (cols > 1 && Math.ceil(n / (cols - 1)) === rows) continue; // same rows, fewer columns is wider
    const w = width / cols;
    const h = height / rows;
    const score = Math.min(w, h * aspect); // the usable width of a tile of the wanted shape
    if (score > bestScore) {
      bestScore = score;
      best = { cols, rows };
    }
  }
  return best;
}
