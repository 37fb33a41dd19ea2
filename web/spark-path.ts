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
