import { Component } from 'preact';
// Evaluated after web/startup.ts has capped the pixel ratio (main.tsx imports that first).
import uPlot from 'uplot';
import type { Points } from '../buckets.js';
import { PlotSlot, textLayer } from '../live-text.js';
import { sparkPath, strokeSeries } from '../spark-path.js';

export interface SparklineProps {
  ring: Points;
  /** Changes whenever the ring's points change; the plot redraws then. */
  version: number;
  unit: string;
  color: string;
  /** Accessible description ("cpu.total, last 300 points"). */
  label: string;
  /** Time the x axis spans, ms, ending at the newest point: points sit by time, so 5 s of data fills 5 s of it. */
  span: number;
  /** Levels drawn as lines, in the series' unit; null: none. */
  warnAt: number | null;
  critAt: number | null;
  /** A tile of several lines: each line's points, drawn in the colours `--line-0`… (`ring` is ignored then). */
  lines?: readonly Points[] | null;
  /**
   * The page's text layer may paint this plot (a live tile of one series): in
   * the kiosk it does, unless the plot shows buckets' bands (see create).
   */
  wall?: boolean;
}

/**
 * The lines' points as uPlot's one x array and a y array per line. Lines of one
 * channel tick together, so their times are usually the same and the rings'
 * arrays are used in place; otherwise uPlot.join aligns them (nulls where a
 * line has no point, spanned over).
 */
export function alignLines(lines: readonly Points[]): uPlot.AlignedData {
  const tables = lines.map((r) => r.view());
  const xs = tables[0][0];
  let same = true;
  for (let i = 1; same && i < tables.length; i++) {
    const t = tables[i][0];
    if (t.length !== xs.length) same = false;
    else for (let j = 0; j < t.length; j++) if (t[j] !== xs[j]) (same = false), (j = t.length);
  }
  if (same) return [xs, ...tables.map((t) => t[1])];
  return uPlot.join(tables.map((t) => [t[0], t[1]] as uPlot.AlignedData));
}

function plotData(p: SparklineProps): uPlot.AlignedData {
  return p.lines ? alignLines(p.lines) : p.ring.view();
}

type Levels = Pick<SparklineProps, 'warnAt' | 'critAt'>;

/** Percentages always span 0..100, so two CPU tiles compare at a glance; elsewhere the levels are kept in view. */
function yRange(unit: string, levels: Levels): uPlot.Scale.Range {
  if (unit === '%') return [0, 100];
  return (_u, lo, hi) => {
    if (lo == null || hi == null || !Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
    let min = lo;
    let max = hi;
    // No array of the two levels: this runs at every redraw, mostly unoptimised, where it would be garbage each time.
    const { warnAt, critAt } = levels;
    if (warnAt !== null) (min = Math.min(min, warnAt)), (max = Math.max(max, warnAt));
    if (critAt !== null) (min = Math.min(min, critAt)), (max = Math.max(max, critAt));
    if (min === max) return min === 0 ? [0, 1] : [min - Math.abs(min) * 0.1, max + Math.abs(max) * 0.1];
    const pad = (max - min) * 0.12;
    return [min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad];
  };
}

/** A coarse span's buckets: the average as the line, lo..hi as a band under it (so a one-second spike still shows). */
function banded(color: string): Pick<uPlot.Options, 'series' | 'bands'> {
  const edge = { stroke: color, width: 0, points: { show: false } };
  return {
    series: [{}, { stroke: color, width: 2, points: { show: false } }, edge, edge],
    // #rrggbb plus a 30% alpha; any other colour form gets a neutral band.
    bands: [{ series: [3, 2], fill: /^#[0-9a-f]{6}$/i.test(color) ? `${color}4d` : 'rgba(128,128,128,0.3)' }],
  };
}

type LevelColors = { warn: string; bad: string };

/** Level lines, drawn after each redraw (no extra DOM): into the plot's own canvas, or the layer's at the plot's place. */
function drawLevels(ctx: CanvasRenderingContext2D, u: uPlot, levels: Levels, colors: LevelColors): void {
  const { left, width } = u.bbox;
  ctx.save();
  // Solid and thin: a dashed stroke costs Skia a path per dash, every redraw of every tile.
  ctx.lineWidth = 1;
  ctx.globalAlpha = 0.75;
  for (const [l, color] of [[levels.warnAt, colors.warn], [levels.critAt, colors.bad]] as const) {
    if (l === null) continue;
    const y = Math.round(u.valToPos(l, 'y', true)) + 0.5;
    ctx.strokeStyle = color;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
  }
  ctx.restore();
}

/** Read once per plot, not per redraw (a style lookup each frame would cost a recalc). */
function levelColors(css: CSSStyleDeclaration): LevelColors {
  return { warn: css.getPropertyValue('--warn').trim() || '#facc15', bad: css.getPropertyValue('--bad').trim() || '#f87171' };
}

/**
 * The plot's options. `wall`: the layer paints it (see Sparkline.create):
 * uPlot draws nothing of its own (an empty `drawOrder`) and says when it
 * would have (its `draw` hook).
 */
function options(width: number, height: number, unit: string, color: string, props: () => SparklineProps, band: boolean, wall: (() => void) | null): uPlot.Options {
  const p = props();
  const css = getComputedStyle(document.documentElement);
  const colors = levelColors(css);
  return {
    width,
    height,
    cursor: { show: false },
    legend: { show: false },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    axes: [{ show: false }, { show: false }],
    // x: the newest point at the right edge, `span` ms before it at the left, however few points there are.
    scales: { x: { time: false, range: (_u, _min, max) => (max == null ? [0, 1] : [max - props().span, max]) }, y: { range: yRange(unit, p) } },
    ...(wall ? { drawOrder: [] } : {}),
    hooks: {
      draw: wall ? [wall] : p.warnAt === null && p.critAt === null ? [] : [(u: uPlot) => drawLevels(u.ctx, u, props(), colors)],
    },
    // No fill: a filled area costs a second path per redraw.
    series: p.lines
      ? [{}, ...p.lines.map((_, i) => ({ stroke: css.getPropertyValue(`--line-${i}`).trim() || color, width: 1.5, points: { show: false }, spanGaps: true }))]
      : [{}, { stroke: color, width: 2, points: { show: false }, paths: sparkPath(uPlot.paths.linear!()) }],
    padding: [4, 0, 2, 0],
    ...(band && !p.lines ? banded(color) : {}),
  };
}

/**
 * A uPlot line over the ring's buffers (read in place, never copied). The plot
 * is created on mount (and again if the unit or colour changes), resized with
 * its box, and destroyed on unmount. `setData` runs in componentDidUpdate,
 * i.e. inside the frame loop's animation frame. A class rather than hooks: it
 * keeps preact/hooks out of the bundle.
 */
export class Sparkline extends Component<SparklineProps> {
  private box: HTMLDivElement | null = null;
  private plot: uPlot | null = null;
  private ro: ResizeObserver | null = null;
  private io: IntersectionObserver | null = null;
  /** Off screen (scrolled away) a plot is not redrawn; it catches up when it comes into view. */
  private visible = true;
  private behind = false;
  /** This plot on the page's text layer while the layer paints it (null: uPlot's own canvas, in the box). */
  private wall: PlotSlot | null = null;
  private levelColors: LevelColors | null = null;
  /** The layer paints the plot: uPlot's path (as its own draw builds it) and the level lines, at the context's origin. */
  private readonly paint = (ctx: CanvasRenderingContext2D) => {
    const u = this.plot;
    if (!u) return;
    strokeSeries(ctx, u, 1);
    const p = this.props;
    if (p.warnAt !== null || p.critAt !== null) drawLevels(ctx, u, p, (this.levelColors ??= levelColors(getComputedStyle(document.documentElement))));
  };
  private readonly setBox = (el: HTMLDivElement | null) => {
    this.box = el;
  };

  override componentDidMount(): void {
    this.create();
  }

  override componentDidUpdate(prev: SparklineProps): void {
    const p = this.props;
    if (prev.unit !== p.unit || prev.color !== p.color || prev.warnAt !== p.warnAt || prev.critAt !== p.critAt || prev.ring.constructor !== p.ring.constructor || (prev.lines?.length ?? 0) !== (p.lines?.length ?? 0) || !prev.wall !== !p.wall) {
      this.destroy();
      this.create();
    } else if (prev.version !== p.version || prev.ring !== p.ring || prev.span !== p.span) this.refresh();
  }

  /** Redraw the same ring's new points, without a render (the tile calls it when only its live figures changed). */
  refresh(): void {
    if (!this.visible) {
      this.behind = true;
      return;
    }
    try {
      this.plot?.batch(this.setData);
    } catch (err) {
      // As an error in uPlot's own microtask was: reported, and the frame's other tiles still drawn.
      reportError(err);
    }
  }

  /**
   * New data, drawn now: through `batch`, uPlot's immediate mode, the plot
   * redraws inside this call (the frame's), where `setData` alone queues its
   * redraw as a microtask of its own, one per plot (50 on the kiosk each frame).
   */
  private readonly setData = (u: uPlot) => u.setData(plotData(this.props));

  override componentWillUnmount(): void {
    this.destroy();
  }

  /**
   * Makes the plot. A live tile's plot in the kiosk (`wall`, where every tile
   * is on screen) is painted by the page's text layer into its one canvas:
   * uPlot lays it out, scales it and builds its path as ever, in a plot that
   * is in no document and draws nothing, and the layer strokes that path where
   * the box is. So the wall is one canvas, not one per tile: each canvas is a
   * compositing layer Chromium updates and hands to the compositor every
   * frame (bench-text-bands: `one` against `bands`; docs/page.md). A plot of
   * buckets (a coarse span's bands) or of several lines, a stale tile's (drawn
   * faded by CSS), and every plot outside the kiosk keep their own canvas.
   */
  private create(): void {
    const el = this.box;
    if (!el) return;
    const { ring, unit, color } = this.props;
    const data = plotData(this.props);
    const band = ring.view().length === 4;
    const wall = !!this.props.wall && !this.props.lines && !band && document.documentElement.classList.contains('kiosk') ? (this.wall = new PlotSlot(() => this.box, () => this.size(), this.paint)) : null;
    const layer = textLayer();
    const opts = options(Math.max(1, el.clientWidth), Math.max(1, el.clientHeight), unit, color, () => this.props, band, wall && (() => layer.plotDrawn(wall)));
    const u = wall ? new uPlot(opts, data) : new uPlot(opts, data, el);
    this.plot = u;
    if (wall) {
      layer.addPlot(wall);
      // For tests (an expando, not an attribute): the plot the layer paints here, and the same plot drawn by uPlot in a canvas of its own.
      (el as HTMLElement & { vigilPlot?: unknown }).vigilPlot = {
        u,
        reference: () =>
          new Promise<HTMLCanvasElement>((done) => {
            const own = new uPlot(options(u.width, u.height, unit, color, () => this.props, band, null), u.data);
            // uPlot's first draw is a microtask; its canvas keeps its pixels after destroy (which takes its listeners).
            queueMicrotask(() => (done(own.ctx.canvas), own.destroy()));
          }),
      };
    }
    this.ro = new ResizeObserver(() => {
      const w = Math.max(1, el.clientWidth);
      const h = Math.max(1, el.clientHeight);
      if (w === u.width && h === u.height) return;
      // The layer reads the new box when uPlot has drawn at the new size.
      if (this.wall) this.wall.moved = true;
      u.setSize({ width: w, height: h });
    });
    this.ro.observe(el);
    // The kiosk fits the screen and never scrolls: nothing to observe there (50 observers cost Blink an intersection pass every frame).
    if (document.documentElement.classList.contains('kiosk')) return;
    this.io = new IntersectionObserver((entries) => {
      this.visible = entries[entries.length - 1].isIntersecting;
      if (this.visible && this.behind) {
        this.behind = false;
        u.batch(this.setData);
      }
    });
    this.io.observe(el);
  }

  /** This plot on the text layer, while the layer paints it. */
  get painted(): PlotSlot | null {
    return this.wall;
  }

  /** The plot's size, CSS px (the layer paints it at that size; uPlot sizes its canvas from it only when it first draws). */
  private size(): { w: number; h: number } {
    return { w: this.plot?.width ?? 0, h: this.plot?.height ?? 0 };
  }

  private destroy(): void {
    if (this.wall) {
      textLayer().removePlot(this.wall);
      if (this.box) delete (this.box as HTMLElement & { vigilPlot?: unknown }).vigilPlot;
    }
    this.wall = null;
    this.ro?.disconnect();
    this.io?.disconnect();
    this.plot?.destroy(); // removes its DOM and listeners
    this.ro = this.io = null;
    this.visible = true;
    this.behind = false;
    this.plot = null;
  }

  // No attribute that changes with each point: every tile would be restyled every tick.
  override render({ label }: SparklineProps) {
    return <div class="spark" ref={this.setBox} role="img" aria-label={label} />;
  }
}
