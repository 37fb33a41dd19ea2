import uPlot from 'uplot';

/**
 * A sparkline's stroke, built the way uPlot's own `linear` path builder builds
 * it for what a sparkline is (one series on linear scales, x across, no fill,
 * no gaps to clip), and to the same pixels: each point at
 * `round(left + width * pct)` across and `round(top + height * (1 - pct))`
 * down, as uPlot's valToPos and pxRound place it, joined by `lineTo`.
 *
 * Why not uPlot's: `uPlot.paths.linear()` makes a closure per series, and its
 * work per point (a closure per scale, positions through per-scale closures) runs
 * in a fresh closure per plot, so at one redraw a second V8 never optimises
 * any of it; unoptimised, every number it works out is a new heap object (on
 * the kiosk, about 110 KB a second of garbage from 50 sparklines). This is one
 * function for every plot: it runs 50 times a second and is optimised early.
 *
 * Anything else (a null in the data, a scale that is not linear, a plot drawn
 * upwards, more points than uPlot would draw unreduced) goes to uPlot's
 * builder, made once per plot.
 */
export function sparkPath(fallback: uPlot.Series.PathBuilder): uPlot.Series.PathBuilder {
  return (u, si, i0, i1) => {
    const xs = u.data[0];
    const ys = u.data[si];
    const sx = u.scales[u.series[0].scale ?? 'x'];
    const sy = u.scales[u.series[si].scale ?? 'y'];
    const { left, top, width, height } = u.bbox;
    // uPlot reduces a series to each pixel column's span at 4 points a pixel and more.
    if (!plain(sx, 0) || !plain(sy, 1) || i1 - i0 >= width * 4 || (u.series[si].pxAlign ?? 1) !== 1) return fallback(u, si, i0, i1);
    for (let i = i0; i <= i1; i++) if (ys[i] == null) return fallback(u, si, i0, i1);
    return { stroke: strokeOf(xs, ys as ArrayLike<number>, i0, i1, sx.min!, sx.max! - sx.min!, sy.min!, sy.max! - sy.min!, left, top, width, height), fill: null, clip: null, band: null, gaps: [] };
  };
}

/** A linear scale, increasing, on the axis uPlot gives it (0: across, 1: up). */
function plain(s: uPlot.Scale, ori: number): boolean {
  return (s.distr ?? 1) === 1 && (s.dir ?? 1) === 1 && (s.ori ?? ori) === ori && s.min != null && s.max != null;
}

function strokeOf(xs: ArrayLike<number>, ys: ArrayLike<number>, i0: number, i1: number, x0: number, dx: number, y0: number, dy: number, left: number, top: number, width: number, height: number): Path2D {
  const p = new Path2D();
  for (let i = i0; i <= i1; i++) p.lineTo(Math.round(left + width * ((xs[i] - x0) / dx)), Math.round(top + height * (1 - (ys[i] - y0) / dy)));
  return p;
}

/**
 * Strokes series `si` of `u` into `ctx` as uPlot's own draw strokes it into
 * its canvas (drawSeries, drawPath): over the same points (the visible ones,
 * one more each side, and out over nulls), with the path its builder makes, at
 * the series' width times the pixel ratio, round joins and its cap and dash,
 * clipped to the plot's box widened by half the line, and half a pixel across
 * and down for an odd width. For a plot that draws nothing itself (the text
 * layer paints it, see Sparkline): `ctx`'s origin is the plot's top left.
 */
export function strokeSeries(ctx: CanvasRenderingContext2D, u: uPlot, si: number): void {
  const xs = u.data[0];
  const ys = u.data[si];
  const n = xs.length;
  const s = u.series[si];
  if (!n || !s.show || !s.paths || !ys) return;
  // The visible points are the x series' (a y series' own idxs are set only when its scale was pending: not for a fixed range such as %'s).
  const idxs = u.series[0].idxs ?? [0, n - 1];
  let i0 = Math.min(Math.max((idxs[0] ?? 0) - 1, 0), n - 1);
  let i1 = Math.min(Math.max((idxs[1] ?? n - 1) + 1, 0), n - 1);
  while (ys[i0] == null && i0 > 0) i0--;
  while (ys[i1] == null && i1 < n - 1) i1++;
  const p = s.paths(u, si, i0, i1);
  if (!p?.stroke || p.stroke instanceof Map) return;
  const stroke = typeof s.stroke === 'function' ? s.stroke(u, si) : s.stroke;
  const width = Math.round((s.width ?? 1) * uPlot.pxRatio * 1000) / 1000;
  if (!stroke || width <= 0) return;
  const { left, top, width: w, height: h } = u.bbox;
  const offset = (width % 2) / 2;
  ctx.save();
  // Restored even if a draw throws: the context is the layer's, shared by every plot after this one.
  try {
    if (s.pxAlign === 1 && offset > 0) ctx.translate(offset, offset);
    const bounds = new Path2D();
    bounds.rect(left - width / 2, top - width / 2, w + width, h + width);
    ctx.clip(bounds);
    if (p.clip) ctx.clip(p.clip);
    ctx.strokeStyle = stroke as string | CanvasGradient | CanvasPattern;
    ctx.lineWidth = width;
    ctx.lineJoin = 'round';
    ctx.lineCap = s.cap ?? 'butt';
    ctx.setLineDash(s.dash ?? []);
    ctx.globalAlpha = s.alpha ?? 1;
    ctx.stroke(p.stroke);
  } finally {
    ctx.restore();
  }
}
