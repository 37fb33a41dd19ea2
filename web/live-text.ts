/**
 * The live tiles' figures, drawn into the page's text layer.
 *
 * The value, unit, age and footer figures of a tile change every second. As
 * DOM text, each change costs Chromium a style, layout, pre-paint, paint and
 * layerization pass over the page every second (bench-page --trace). Here they
 * are drawn into transparent canvases laid over the tiles, one per band of
 * rows that hold text (see TextLayer), and only the strings whose text or place
 * changed are cleared and drawn again: a tick changes no DOM that is rendered,
 * redraws about two strings a tile, and leaves each sparkline's canvas the
 * plot's size. The trend arrow in the tile's header is drawn here too. Screen
 * readers get the same strings as the `aria-label` of the value row and footer
 * (a tick changes no text node). The DOM keeps the text boxes, not rendered,
 * and they fix the geometry: the layer copies where the value row, footer and
 * arrow are, their fonts and colours, and lays the strings out as the DOM's
 * flex rows would (see layoutFoot).
 */

import type { Trend } from '../shared/schema.js';

/** The trend arrow's glyph per trend (the DOM's, and what the layer draws). */
export const ARROW: Record<Trend, string> = { rising: '▲', falling: '▼', stable: '▶' };

/** What a live tile's canvas writes. */
export interface LiveText {
  value: string;
  unit: string;
  /** "now", "4 s ago" (drawn after "updated " where the DOM shows that word). */
  age: string;
  min: string;
  avg: string;
  max: string;
  /** The trend arrow's trend; '' when the tile shows none (a state badge instead). */
  trend: Trend | '';
}

export interface TextStyle {
  font: string;
  color: string;
  letterSpacing: string;
  /** Line height, CSS px. */
  line: number;
  /** font and letter spacing: styles alike share their widths and metrics, and a draw sets the font only when it differs. */
  key: string;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where the value row and the footer are in the canvas (CSS px), and how their text looks. */
export interface LiveGeometry {
  value: Box;
  foot: Box;
  num: TextStyle;
  unit: TextStyle;
  age: TextStyle;
  /** Padding above the age, CSS px. */
  agePad: number;
  figs: TextStyle;
  /** Gap between value and unit (and unit and age), CSS px. */
  valueGap: number;
  /** Gap between the footer's two groups, and between figures in a group, CSS px. */
  footGap: number;
  figGap: number;
  /** The DOM shows "updated " before the age (not in kiosk nor narrow tiles). */
  ageWord: boolean;
  /** The trend arrow's box (null: no arrow) and its style per trend (the colours of `.trend-<trend>`). */
  trend: Box | null;
  arrow: Record<Trend, TextStyle> | null;
}

/**
 * The footer's figures as its flex boxes place them (`.tile-foot > .in`: the
 * min and avg group grows from nothing, the max group keeps its width; each a
 * wrapping row led by a zero-width item, spread with space-between; a figure
 * that does not fit wraps onto the hidden second line). x is from the footer's
 * left; null: not shown.
 */
export function layoutFoot(w: number, min: number, avg: number, max: number, gap: number, figGap: number): { min: number | null; avg: number | null; max: number | null } {
  const maxBasis = figGap + max;
  const first = Math.max(0, w - gap - maxBasis);
  const second = Math.min(maxBasis, Math.max(0, w - gap));
  const maxX = second >= maxBasis - 0.01 ? w - max : null;
  if (figGap + min + figGap + avg <= first + 0.01) {
    const free = first - min - avg - 2 * figGap;
    return { min: figGap + free / 2, avg: first - avg, max: maxX };
  }
  if (figGap + min <= first + 0.01) return { min: first - min, avg: null, max: maxX };
  return { min: null, avg: null, max: maxX };
}

function px(s: string, fallback: number): number {
  const n = parseFloat(s);
  return Number.isFinite(n) ? n : fallback;
}

/** A text style from an element's computed style (it may be display: none; its style is still computed). */
export function styleOf(el: Element): TextStyle {
  const cs = getComputedStyle(el);
  const size = px(cs.fontSize, 15);
  const font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  const letterSpacing = cs.letterSpacing === 'normal' ? '0px' : cs.letterSpacing;
  return { font, color: cs.color, letterSpacing, line: px(cs.lineHeight, 1.35 * size), key: `${font}|${letterSpacing}` };
}

/** A live tile's elements the layer copies: its value row's and footer's inner boxes, and the text whose styles it draws in. */
export interface LiveDom {
  valueIn: HTMLElement;
  footIn: HTMLElement;
  num: HTMLElement;
  /** null: no unit shown (the value's style is used). */
  unit: HTMLElement | null;
  age: HTMLElement;
  min: HTMLElement;
  /** The trend arrow's box (TrendMark), or null when the tile shows a state instead. */
  trend: HTMLElement | null;
}

function gapOf(el: Element | null, fallback: number): number {
  const g = el ? parseFloat(getComputedStyle(el).columnGap) : NaN;
  return Number.isFinite(g) ? g : fallback;
}

/** The styles and gaps of a tile's text (its boxes' places are filled in by the layer). */
function measureStyles(d: LiveDom): LiveGeometry {
  const word = d.age.querySelector('.age-word');
  const none = { x: 0, y: 0, w: 0, h: 0 };
  return {
    value: none,
    foot: none,
    num: styleOf(d.num),
    unit: styleOf(d.unit ?? d.num),
    age: styleOf(d.age),
    agePad: parseFloat(getComputedStyle(d.age).paddingTop) || 0,
    figs: styleOf(d.min),
    valueGap: gapOf(d.valueIn, 0),
    footGap: gapOf(d.footIn, 0),
    figGap: gapOf(d.min.parentElement, 10),
    ageWord: !!word && getComputedStyle(word).display !== 'none',
    trend: null,
    arrow: d.trend ? arrowStyles(d.trend) : null,
  };
}

/**
 * The arrow's style per trend: its font, and the colour `.trend-<trend>` gives
 * (read from the custom properties styles.css sets on `.trend`, so the box's own
 * class, which the layer leaves alone, does not matter).
 */
function arrowStyles(el: Element): Record<Trend, TextStyle> {
  const s = styleOf(el);
  const cs = getComputedStyle(el);
  const color = (t: Trend) => cs.getPropertyValue(`--trend-${t}`).trim() || s.color;
  return { rising: { ...s, color: color('rising') }, falling: { ...s, color: color('falling') }, stable: { ...s, color: color('stable') } };
}

/** What was drawn where (CSS px from the layer canvas's top left), for tests. */
export interface Drawn {
  text: string;
  x: number;
  /** Baseline. */
  y: number;
  w: number;
  box: 'value' | 'foot' | 'trend';
  /** The fill colour (a CSS colour). */
  color: string;
}

/**
 * A string placed by a layout: empty text when it is not shown. Its pixels'
 * bounds are kept as whole numbers, worked out once when it is placed: the
 * flush compares every changed place with its neighbours every second, and
 * fractional arithmetic there made heap numbers in unoptimised code (the
 * flush runs once a second, so V8 seldom optimises it): about 65 KB a second
 * of garbage in the bench's kiosk, for comparisons integers answer as well.
 */
interface Placed {
  text: string;
  x: number;
  y: number;
  w: number;
  s: TextStyle | null;
  /** The font box's top and bottom, two pixels more each side (whole pixels): what a clear covers vertically. */
  t: number;
  b: number;
  /** What a clear covers horizontally: the advance, two pixels more each side (left edge and width, whole pixels). */
  cx: number;
  cw: number;
}

/** The strings of a tile, in this order (one place each): value, unit, age, min, avg, max, trend arrow. */
const N = 7;
const empty = (): Placed => ({ text: '', x: 0, y: 0, w: 0, s: null, t: 0, b: 0, cx: 0, cw: 0 });

/** Places `text` at `o` (baseline `y`), with its bounds. */
function put(o: Placed, s: TextStyle, text: string, x: number, y: number, w: number): void {
  o.text = text;
  o.x = x;
  o.y = y;
  o.w = w;
  o.s = s;
  const mt = metricCache.get(s.key);
  o.t = Math.floor(y - (mt ? mt.a : s.line)) - 2;
  o.b = Math.ceil(y + (mt ? mt.d : 10)) + 2;
  o.cx = Math.floor(x) - 2;
  o.cw = Math.ceil(w) + 4;
}

function copyPlaced(to: Placed, from: Placed): void {
  to.text = from.text;
  to.x = from.x;
  to.y = from.y;
  to.w = from.w;
  to.s = from.s;
  to.t = from.t;
  to.b = from.b;
  to.cx = from.cx;
  to.cw = from.cw;
}

/** One live tile on the layer. */
export class LiveSlot {
  /** What to draw; null: nothing (a stale tile, no value yet: the DOM shows its text). */
  text: LiveText | null = null;
  /** The styles need reading again (the tile rendered a new shape). */
  restyle = true;
  /** Its boxes are to be read again (the tile rendered). */
  moved = true;
  /** The text or the geometry changed since the last draw. */
  dirty = true;
  geometry: LiveGeometry | null = null;
  /** What is drawn now, and the next layout (objects reused). */
  readonly placed: Placed[] = Array.from({ length: N }, empty);
  readonly next: Placed[] = Array.from({ length: N }, empty);
  /** Bit i: place i is to be drawn in this flush. */
  pending = 0;
  /** For tests: writes the strings into the tile's hidden DOM text boxes (a live tile names them for screen readers instead). */
  writeDom: () => void = () => {};
  /** The tile's sparkline when the layer paints it: a string whose font box meets the plot's box is drawn again over each new plot. */
  plot: () => PlotSlot | null = () => null;

  constructor(readonly dom: () => LiveDom | null) {}

  /** What the layer shows for this tile (for tests). */
  shown(): Drawn[] {
    const out: Drawn[] = [];
    this.placed.forEach((p, i) => p.text && out.push({ text: p.text, x: p.x, y: p.y, w: p.w, box: i < 3 ? 'value' : i < 6 ? 'foot' : 'trend', color: p.s?.color ?? '' }));
    return out;
  }
}

/**
 * A sparkline the layer paints (a live tile's in the kiosk, see Sparkline):
 * uPlot lays it out and builds its path as ever, in a plot that is in no
 * document, and `paint` strokes that path into the layer's canvas. So the
 * wall's 50 plots are not 50 canvases, each a compositing layer to update and
 * hand to the compositor every frame, but rects of the one canvas the text is
 * drawn in.
 */
export class PlotSlot {
  /** Where it is, CSS px from the container's top left, on whole device pixels; null: not read yet or not shown. */
  box: Box | null = null;
  /** Its points changed (uPlot drew): the layer paints it in the next flush. */
  dirty = true;
  /** Its box is to be read again. */
  moved = true;
  /** Its size (CSS px) when its box was read. */
  css = { w: 0, h: 0 };

  /**
   * @param el the plot's box in the page (the sparkline's element, empty)
   * @param size the plot's size, CSS px (uPlot's width and height)
   * @param paint draws the plot with the context's origin at its top left, in device px (as into uPlot's own canvas)
   */
  constructor(
    readonly el: () => HTMLElement | null,
    readonly size: () => { w: number; h: number },
    readonly paint: (ctx: CanvasRenderingContext2D) => void,
  ) {}
}

const widthCache = new Map<string, Map<number, number>>();
const metricCache = new Map<string, { a: number; d: number }>();

/** One canvas of the layer: a horizontal band of the tiles' container, `top` to `top + h` (CSS px from its top). */
interface Band {
  top: number;
  h: number;
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  /** The font key, letterSpacing and fill last set on it (each set costs; a canvas keeps its own). */
  font: string;
  spacing: string;
  fill: string;
}

/** Space kept above and below a row of text in its band, CSS px (beyond the font's box, which a clear already pads by 2). */
const BAND_PAD = 3;

/**
 * The page's text layer: canvases in the first child of the tiles' container
 * (App renders it, `.live-text`, absolutely placed at its padding box's top
 * left, under the sticky status bar), one per band of rows that hold text: the
 * tiles' header and value rows, and their footers. The sparklines' rows and
 * the gaps have no canvas, so the bitmaps, and the copy of them the compositor
 * takes every frame a string changed, are about half the container's area
 * (one canvas over the whole grid: 1920x1015 px copied every second in a
 * 1080p kiosk). `flush()` runs in the frame loop's frame, after the render,
 * and draws what changed: a string whose text or place is new is cleared and
 * drawn, as is any string its clearing touched; the others keep their pixels.
 * Draws are grouped by style, so a band's font is set about four times a
 * frame, not per string. Where the text boxes are is read only when the layout
 * may have changed: the page rendered, a tile came or went, or the container
 * resized (all tiles' boxes, and the bands again), or a tile rendered a new
 * shape (its own). Coordinates are the container's (CSS px from its padding
 * box's top left); a band draws translated by its top.
 */
export class TextLayer {
  private root: HTMLElement | null = null;
  private bands: Band[] = [];
  /** Measures text (widths, font metrics) apart from the bands, which come and go. */
  private readonly measure: { ctx: CanvasRenderingContext2D | null; font: string; spacing: string } = { ctx: null, font: '', spacing: '0px' };
  private ro: ResizeObserver | null = null;
  /** The live tiles (an array, walked by index: the flush runs once a second, seldom optimised, and for-of there made an iterator result per step). */
  private readonly slots: LiveSlot[] = [];
  /** The plots the layer paints (PlotSlot), in the order they came. */
  private readonly plots: PlotSlot[] = [];
  /** A plot drew outside a frame (resized): a flush is queued as a microtask. */
  private late = false;
  /** A plot moved or went: the next flush clears the canvases and draws everything afresh (rare: a change of layout). */
  private wipe = false;
  /** Rects to clear in the next flush (tiles and plots gone), CSS px. */
  private readonly gone: number[] = [];
  /** Every tile's boxes are to be read again (a tile came or went, the container resized). */
  private all = true;
  /**
   * The part of the container the layer covers, its width and the pixel ratio:
   * `top` to `top + h` of a container `of` tall. All of it when the container is
   * at most two viewports tall (a kiosk, most pages); a longer page gets two
   * viewports around what is in view, moved as the page scrolls (onScroll), so
   * the bitmaps do not grow with the page.
   */
  private size = { w: 0, h: 0, ratio: 0, top: 0, of: 0 };

  constructor(private readonly ratio: () => number) {}

  /** The element to put the canvases in (App's ref), or null when it is gone. */
  readonly adopt = (root: HTMLElement | null): void => {
    if (root === this.root) return;
    this.ro?.disconnect();
    this.ro = null;
    removeEventListener('scroll', this.onScroll);
    for (const b of this.bands) b.canvas.remove();
    this.bands = [];
    this.root = root;
    if (root) addEventListener('scroll', this.onScroll, { passive: true });
    // For tests (an expando, not an attribute).
    if (root) (root as HTMLElement & { vigilLayer?: TextLayer }).vigilLayer = this;
    this.size = { w: 0, h: 0, ratio: 0, top: 0, of: 0 };
    this.all = true;
    for (const s of this.slots) for (const p of s.placed) p.text = '';
    for (const p of this.plots) (p.moved = p.dirty = true), (p.box = null);
    const box = root?.parentElement;
    if (box) {
      // Called after layout when the container's size changed (a resized window): draw again at once.
      this.ro = new ResizeObserver(() => {
        this.all = true;
        this.flush();
      });
      this.ro.observe(box);
    }
  };

  /**
   * Reads every tile's boxes again in the next flush: after a render, which may
   * move tiles without any coming or going or the container resizing (a kiosk's
   * section cell arriving with the dashboards pushes every tile one cell on).
   */
  relayout(): void {
    this.all = true;
  }

  /**
   * A scrolled page: when what is in view is no longer inside what the layer
   * covers, it moves to centre it and draws every tile there afresh. Until then
   * it scrolls with the tiles (it is in their container), so their text never lags them.
   */
  private readonly onScroll = (): void => {
    const box = this.root?.parentElement;
    const a = this.size;
    if (!box || a.h >= a.of) return;
    const [top, bottom] = inView(box);
    if (top < a.top || bottom > a.top + a.h) {
      this.all = true;
      this.flush();
    }
  };

  /** Clears the canvases and draws every string afresh (tests compare it with what the frames drew, string by string). */
  repaint(): void {
    for (const b of this.bands) b.canvas.remove();
    this.bands = [];
    this.size = { w: 0, h: 0, ratio: 0, top: 0, of: 0 };
    this.all = true;
    this.flush();
  }

  /** The bands' canvases, top to bottom, with their tops (CSS px in the container), for tests. */
  canvases(): Array<{ canvas: HTMLCanvasElement; top: number }> {
    return this.bands.map((b) => ({ canvas: b.canvas, top: b.top }));
  }

  /**
   * For tests: the drawn strings whose font box is not wholly inside one band
   * (they would be cut), of those inside what the layer covers (on a long page
   * a tile across its edge, half a screen or more from the view, is cut there).
   */
  outside(): string[] {
    const out: string[] = [];
    const { top: from, h } = this.size;
    for (const s of this.slots)
      for (const p of s.placed) {
        if (!p.text || p.t < from || p.b > from + h) continue;
        if (!this.bands.some((b) => p.t >= b.top && p.b <= b.top + b.h)) out.push(`${p.text} ${p.t}..${p.b}`);
      }
    return out;
  }

  addPlot(p: PlotSlot): void {
    if (!this.plots.includes(p)) this.plots.push(p);
    p.moved = p.dirty = true;
    this.all = true;
  }

  removePlot(p: PlotSlot): void {
    const i = this.plots.indexOf(p);
    if (i >= 0) this.plots.splice(i, 1);
    if (p.box) this.wipe = true;
    p.box = null;
    this.all = true;
  }

  /**
   * uPlot drew `p` (new points, a new size): it is painted in the next flush,
   * the frame's own when it drew in the frame; when it drew outside one (a
   * resize), a microtask flushes.
   */
  plotDrawn(p: PlotSlot): void {
    p.dirty = true;
    if (this.late) return;
    this.late = true;
    queueMicrotask(this.flushLate);
  }

  private readonly flushLate = (): void => {
    if (!this.late) return;
    this.late = false;
    this.flush();
  };

  /** The plots' boxes (CSS px in the container), for tests. */
  plotBoxes(): Array<Box | null> {
    return this.plots.map((p) => p.box && { ...p.box });
  }

  add(slot: LiveSlot): void {
    if (!this.slots.includes(slot)) this.slots.push(slot);
    slot.restyle = slot.dirty = true;
    // The tiles after it may have moved.
    this.all = true;
  }

  remove(slot: LiveSlot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    for (const p of slot.placed) if (p.text) pushRect(this.gone, p);
    this.all = true;
  }

  /** Draws what changed; call after the frame's DOM changes. */
  flush(): void {
    const root = this.root;
    const slots = this.slots;
    const plots = this.plots;
    const box = root?.parentElement;
    this.late = false;
    if (!root || !box) return;
    this.measure.ctx ??= document.createElement('canvas').getContext('2d');
    if (!this.measure.ctx) return;
    let origin: { x: number; y: number } | null = null;
    const all = this.all;
    if (all) {
      this.all = false;
      const w = box.clientWidth;
      const of = box.clientHeight;
      const a = this.size;
      const h = Math.min(of, 2 * innerHeight);
      let top = 0;
      if (h < of) {
        // What is in view, centred in two viewports (kept where it is while that still holds it).
        const [from, to] = inView(box);
        top = a.h === h && a.of === of && from >= a.top && to <= a.top + h ? a.top : Math.round(Math.max(0, Math.min(of - h, (from + to - h) / 2)));
      }
      this.size = { w, h, ratio: this.ratio(), top, of };
      for (let k = 0; k < slots.length; k++) slots[k].moved = true;
      for (let k = 0; k < plots.length; k++) plots[k].moved = true;
    }
    for (let k = 0; k < plots.length; k++) {
      const p = plots[k];
      // uPlot drew at a new size (its box is read again; a resize of the box itself says so first).
      if (!p.moved && p.dirty && p.box) {
        const now = p.size();
        if (now.w !== p.css.w || now.h !== p.css.h) p.moved = true;
      }
      if (!p.moved) continue;
      p.moved = false;
      p.dirty = true;
      const el = p.el();
      if (!el) {
        if (p.box) this.wipe = true;
        p.box = null;
        continue;
      }
      if (!origin) {
        const r = box.getBoundingClientRect();
        origin = { x: r.left + box.clientLeft, y: r.top + box.clientTop };
      }
      // On whole device pixels, as a canvas of its own would be; as large as uPlot's canvas (its CSS size times the ratio, rounded).
      const ratio = this.size.ratio;
      const r = el.getBoundingClientRect();
      const { w, h } = (p.css = p.size());
      const next = { x: Math.round((r.left - origin.x) * ratio) / ratio, y: Math.round((r.top - origin.y) * ratio) / ratio, w: Math.round(w * ratio) / ratio, h: Math.round(h * ratio) / ratio };
      const was = p.box;
      if (was && (was.x !== next.x || was.y !== next.y || was.w !== next.w || was.h !== next.h)) this.wipe = true;
      p.box = next;
    }
    const clears = this.gone;
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k];
      const d = s.text && (s.moved || s.restyle || !s.geometry) ? s.dom() : null;
      if (!s.text || (!d && (s.moved || s.restyle || !s.geometry))) {
        // Nothing to draw (a stale tile, no value yet): its strings are cleared, its boxes read again when it is live.
        s.geometry = null;
        if (s.placed.some((p) => p.text)) s.dirty = true;
        continue;
      }
      if (!d) continue;
      if (s.restyle || !s.geometry) (s.geometry = measureStyles(d)), (s.restyle = false), (s.moved = true);
      if (!s.moved) continue;
      s.moved = false;
      if (!origin) {
        const r = box.getBoundingClientRect();
        origin = { x: r.left + box.clientLeft, y: r.top + box.clientTop };
      }
      const g = s.geometry;
      const v = d.valueIn.getBoundingClientRect();
      const f = d.footIn.getBoundingClientRect();
      // A new size of its boxes may come with new fonts (they follow the tile's size in kiosk).
      if (g.value.w !== v.width || g.foot.w !== f.width || g.value.h !== v.height) Object.assign(g, measureStyles(d));
      g.value = { x: v.left - origin.x, y: v.top - origin.y, w: v.width, h: v.height };
      g.foot = { x: f.left - origin.x, y: f.top - origin.y, w: f.width, h: f.height };
      const a = d.trend?.getBoundingClientRect();
      g.trend = a ? { x: a.left - origin.x, y: a.top - origin.y, w: a.width, h: a.height } : null;
      if (!!g.trend !== !!g.arrow) g.arrow = d.trend ? arrowStyles(d.trend) : null;
      s.dirty = true;
    }
    const wipe = this.wipe;
    this.wipe = false;
    if ((all && this.placeBands(root)) || wipe) {
      // New canvases start blank (and a plot that moved leaves pixels anywhere): every tile and plot draws afresh.
      if (wipe) for (const b of this.bands) b.ctx.clearRect(0, b.top, this.size.w, b.h);
      clears.length = 0;
      for (const s of slots) {
        for (const p of s.placed) p.text = '';
        s.dirty = true;
      }
      for (let k = 0; k < plots.length; k++) plots[k].dirty = true;
    }
    let draws = false;
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k];
      const pl = s.plot();
      if (!s.dirty && !(pl?.dirty && pl.box)) continue;
      s.dirty = false;
      // A tile outside what the layer covers (a long page scrolled) draws nothing until the layer comes to it.
      if (s.text && s.geometry && this.covers(s.geometry)) this.layout(s.geometry, s.text, s.next);
      else for (const p of s.next) p.text = '';
      // A place whose string changed is cleared; so is one whose pixels a clearing touches.
      let todo = 0;
      for (let i = 0; i < N; i++) {
        const p = s.placed[i];
        const q = s.next[i];
        if (p.text !== q.text || p.x !== q.x || p.y !== q.y || p.s?.key !== q.s?.key || p.s?.color !== q.s?.color) todo |= 1 << i;
      }
      // A string that meets its plot's box is drawn again over each new plot (the plot's clear takes its pixels
      // there); a string cleared there leaves its pixels in the box (its clear keeps out of it), so the plot is
      // painted again. Until neither adds a string nor the neighbours' test another.
      const pb = pl?.box ?? null;
      for (let grew = todo; grew; ) {
        grew = 0;
        for (let i = 0; i < N; i++) {
          if (todo & (1 << i) || !s.placed[i].text) continue;
          for (let j = 0; j < N; j++) if (todo & (1 << j) && (overlaps(s.placed[i], s.placed[j]) || overlaps(s.placed[i], s.next[j]))) (grew |= 1 << i), (j = N);
        }
        todo |= grew;
        if (!pb) continue;
        if (!pl!.dirty) for (let i = 0; i < N; i++) if (todo & (1 << i) && meets(s.placed[i], pb)) (pl!.dirty = true), (i = N);
        if (pl!.dirty) for (let i = 0; i < N; i++) if (!(todo & (1 << i)) && meets(s.placed[i], pb)) grew |= 1 << i;
        todo |= grew;
      }
      for (let i = 0; i < N; i++) {
        if (!(todo & (1 << i))) continue;
        const p = s.placed[i];
        if (p.text) pushRect(clears, p, pb);
        copyPlaced(p, s.next[i]);
      }
      s.pending = todo;
      if (todo) draws = true;
    }
    // A rect is cleared in every band it touches.
    for (let i = 0; i < clears.length; i += 4) {
      const y = clears[i + 1];
      const h = clears[i + 3];
      for (let k = 0; k < this.bands.length; k++) {
        const b = this.bands[k];
        if (y < b.top + b.h && y + h > b.top) b.ctx.clearRect(clears[i], y, clears[i + 2], h);
      }
    }
    clears.length = 0;
    // The plots uPlot drew since the last flush, each cleared and stroked within its box.
    const ratio = this.size.ratio;
    for (let k = 0; k < plots.length; k++) {
      const p = plots[k];
      const b = p.box;
      if (!p.dirty || !b) continue;
      p.dirty = false;
      for (let m = 0; m < this.bands.length; m++) {
        const band = this.bands[m];
        if (b.y >= band.top + band.h || b.y + b.h <= band.top) continue;
        const c = band.ctx;
        c.clearRect(b.x, b.y, b.w, b.h);
        c.save();
        c.beginPath();
        c.rect(b.x, b.y, b.w, b.h);
        c.clip();
        c.setTransform(1, 0, 0, 1, Math.round(b.x * ratio), Math.round((b.y - band.top) * ratio));
        try {
          p.paint(c);
        } catch (err) {
          // As a plot's own canvas would: reported, and the frame's other plots and strings still drawn.
          reportError(err);
        }
        c.restore();
      }
    }
    if (!draws) return;
    // By place (value, unit, age, figures): tiles share their fonts, so a band's font is set once per kind.
    for (let i = 0; i < N; i++)
      for (let k = 0; k < slots.length; k++) {
        const s = slots[k];
        if (!(s.pending & (1 << i))) continue;
        const p = s.placed[i];
        if (!p.text || !p.s) continue;
        const t = p.t;
        const u = p.b;
        for (let m = 0; m < this.bands.length; m++) {
          const b = this.bands[m];
          if (t >= b.top + b.h || u <= b.top) continue;
          if (b.font !== p.s.key) {
            b.font = p.s.key;
            b.ctx.font = p.s.font;
            if (b.spacing !== p.s.letterSpacing) b.ctx.letterSpacing = b.spacing = p.s.letterSpacing;
          }
          if (b.fill !== p.s.color) b.ctx.fillStyle = b.fill = p.s.color;
          b.ctx.fillText(p.text, p.x, p.y);
        }
      }
    for (let k = 0; k < slots.length; k++) slots[k].pending = 0;
  }

  /**
   * The bands: the rows of text of the tiles the layer covers (each tile's
   * header and value row, and its footer, by its fonts' boxes), merged where
   * they overlap or nearly touch, within what the layer covers. Their canvases
   * are made (or kept, when a band is the same) under `root`; true when any
   * canvas is new or cleared.
   */
  private placeBands(root: HTMLElement): boolean {
    const { w, h, ratio, top } = this.size;
    const rows: Array<[number, number]> = [];
    for (const s of this.slots) {
      const g = s.text ? s.geometry : null;
      if (!g || !this.covers(g)) continue;
      for (const r of this.rowsOf(g)) rows.push(r);
    }
    for (const p of this.plots) if (p.box && p.box.y + p.box.h >= top && p.box.y <= top + h) rows.push([p.box.y, p.box.y + p.box.h]);
    rows.sort((x, y) => x[0] - y[0]);
    // With plots in it, the layer is one canvas: a plot between each tile's rows of text would join them anyway, and
    // one canvas cost least in bench-text-bands (`one` against `rows`).
    if (this.plots.length && rows.length) rows.splice(0, rows.length, [rows[0][0], Math.max(...rows.map((r) => r[1]))]);
    const want: Array<[number, number]> = [];
    for (const [a, b] of rows) {
      const from = Math.max(top, Math.floor(a) - BAND_PAD);
      const to = Math.min(top + h, Math.ceil(b) + BAND_PAD);
      if (to <= from) continue;
      const last = want.at(-1);
      if (last && from <= last[1] + 2 * BAND_PAD) last[1] = Math.max(last[1], to);
      else want.push([from, to]);
    }
    const same = (b: Band, [from, to]: [number, number]) => b.top === from && b.h === to - from && b.canvas.width === Math.max(1, Math.round(w * ratio)) && b.canvas.height === Math.max(1, Math.round((to - from) * ratio));
    if (want.length === this.bands.length && this.bands.every((b, i) => same(b, want[i]))) return false;
    const old = this.bands;
    this.bands = want.map(([from, to], i) => {
      const canvas = old[i]?.canvas ?? root.appendChild(document.createElement('canvas'));
      canvas.style.top = `${from}px`;
      canvas.style.width = `${w}px`;
      canvas.style.height = `${to - from}px`;
      // Setting the size clears the canvas and its state, even to the same size.
      canvas.width = Math.max(1, Math.round(w * ratio));
      canvas.height = Math.max(1, Math.round((to - from) * ratio));
      const ctx = canvas.getContext('2d')!;
      ctx.setTransform(ratio, 0, 0, ratio, 0, -from * ratio);
      ctx.textBaseline = 'alphabetic';
      ctx.textAlign = 'left';
      return { top: from, h: to - from, canvas, ctx, font: '', spacing: '0px', fill: '' };
    });
    for (const b of old.slice(want.length)) b.canvas.remove();
    return true;
  }

  /** A tile's rows of text, by its fonts' boxes: its header and value row, and its footer. */
  private rowsOf(g: LiveGeometry): Array<[number, number]> {
    const box = (s: TextStyle, base: number): [number, number] => {
      const mt = this.metrics(s);
      return [base - mt.a - 2, base + mt.d + 2];
    };
    const v = g.value;
    const parts = [box(g.num, this.baseline(g.num, v.y)), box(g.unit, this.baseline(g.unit, v.y)), box(g.age, this.baseline(g.age, v.y + g.agePad))];
    if (g.trend && g.arrow) for (const s of Object.values(g.arrow)) parts.push(box(s, this.baseline(s, g.trend.y + (g.trend.h - s.line) / 2)));
    const head: [number, number] = [Math.min(...parts.map((p) => p[0]), v.y), Math.max(...parts.map((p) => p[1]), v.y + v.h)];
    const foot = box(g.figs, this.baseline(g.figs, g.foot.y));
    return [head, [Math.min(foot[0], g.foot.y), Math.max(foot[1], g.foot.y + g.foot.h)]];
  }

  /** Whether any of a tile's text boxes is in what the layer covers. */
  private covers(g: LiveGeometry): boolean {
    const top = Math.min(g.value.y, g.trend?.y ?? g.value.y);
    return g.foot.y + g.foot.h >= this.size.top && top <= this.size.top + this.size.h;
  }

  /** Sets the measuring context's font (only when it differs from the one set last). */
  private setFont(s: TextStyle): void {
    const m = this.measure;
    if (m.font === s.key) return;
    m.font = s.key;
    m.ctx!.font = s.font;
    if (m.spacing !== s.letterSpacing) m.ctx!.letterSpacing = m.spacing = s.letterSpacing;
  }

  /**
   * Width of `text` in style `s`: the sum of its characters' widths, each measured
   * once per font (styles alike share them). Figures are tabular in the DOM
   * (`font-variant-numeric`), as the page's fonts' digits are by default, so a
   * sum of advances is the string's width within kerning (well under a pixel);
   * it spares a measureText per changed string every second.
   */
  private widthOf(s: TextStyle, text: string): number {
    let cache = widthCache.get(s.key);
    if (!cache) widthCache.set(s.key, (cache = new Map()));
    let w = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let cw = cache.get(c);
      if (cw === undefined) {
        if (cache.size > 512) cache.clear();
        this.setFont(s);
        cw = this.measure.ctx!.measureText(text[i]).width;
        cache.set(c, cw);
      }
      w += cw;
    }
    return w;
  }

  /** The font's box above and below the baseline (whole pixels), measured once per font. */
  private metrics(s: TextStyle): { a: number; d: number } {
    let mt = metricCache.get(s.key);
    if (!mt) {
      this.setFont(s);
      const t = this.measure.ctx!.measureText('0');
      metricCache.set(s.key, (mt = { a: Math.round(t.fontBoundingBoxAscent), d: Math.round(t.fontBoundingBoxDescent) }));
    }
    return mt;
  }

  /** Baseline of a line box of `s` whose top is `top`: half the leading, then the ascent (whole pixels, as Blink places them). */
  private baseline(s: TextStyle, top: number): number {
    const mt = this.metrics(s);
    return top + Math.floor((s.line - (mt.a + mt.d)) / 2) + mt.a;
  }

  /** Places a tile's strings as the DOM's flex rows would, into `out`. */
  private layout(g: LiveGeometry, t: LiveText, out: Placed[]): void {
    for (let i = 0; i < N; i++) out[i].text = '';
    const v = g.value;
    const numW = this.widthOf(g.num, t.value);
    const unitW = t.unit ? this.widthOf(g.unit, t.unit) : 0;
    // Flex items aligned by baseline: the deepest baseline from the row's top sets it.
    const base = Math.max(this.baseline(g.num, v.y), t.unit ? this.baseline(g.unit, v.y) : -Infinity);
    put(out[0], g.num, t.value, v.x, base, numW);
    let end = v.x + numW;
    if (t.unit) {
      put(out[1], g.unit, t.unit, end + g.valueGap, base, unitW);
      end += g.valueGap + unitW;
    }
    // The age sits top right; squeezed, it is cut with an ellipsis (text-overflow).
    const room = v.x + v.w - (end + g.valueGap);
    const full = g.ageWord ? `updated ${t.age}` : t.age;
    const age = this.fit(g.age, full, room);
    if (age) {
      const w = this.widthOf(g.age, age);
      put(out[2], g.age, age, age === full ? v.x + v.w - w : end + g.valueGap, this.baseline(g.age, v.y + g.agePad), w);
    }
    const f = g.foot;
    const minW = this.widthOf(g.figs, t.min);
    const avgW = this.widthOf(g.figs, t.avg);
    const maxW = this.widthOf(g.figs, t.max);
    const at = layoutFoot(f.w, minW, avgW, maxW, g.footGap, g.figGap);
    const fb = this.baseline(g.figs, f.y);
    if (at.min !== null) put(out[3], g.figs, t.min, f.x + at.min, fb, minW);
    if (at.avg !== null) put(out[4], g.figs, t.avg, f.x + at.avg, fb, avgW);
    if (at.max !== null) put(out[5], g.figs, t.max, f.x + at.max, fb, maxW);
    // The arrow is centred in its box (text-align: center), on its line box's baseline.
    if (t.trend && g.trend && g.arrow) {
      const s = g.arrow[t.trend];
      const glyph = ARROW[t.trend];
      const w = this.widthOf(s, glyph);
      put(out[6], s, glyph, g.trend.x + (g.trend.w - w) / 2, this.baseline(s, g.trend.y + (g.trend.h - s.line) / 2), w);
    }
    for (let i = 0; i < N; i++) if (!out[i].text) out[i].s = null;
  }

  /** `text`, or as much of it as fits in `room` followed by an ellipsis, or nothing. */
  private fit(s: TextStyle, text: string, room: number): string {
    if (this.widthOf(s, text) <= room) return text;
    for (let n = text.length - 1; n > 0; n--) {
      const cut = `${text.slice(0, n)}…`;
      if (this.widthOf(s, cut) <= room) return cut;
    }
    return '';
  }
}

/** The part of `box` (its padding box, from its top, CSS px) in the viewport. */
function inView(box: Element): [number, number] {
  const y = box.getBoundingClientRect().top + box.clientTop;
  return [Math.max(0, -y), Math.min(box.clientHeight, innerHeight - y)];
}

/**
 * The pixels a drawn string may cover: its advance and font box, two pixels
 * more each side; less its tile's plot's box, when the layer paints that (a
 * string's clear never takes a plot's pixels).
 */
function pushRect(out: number[], p: Placed, not: Box | null = null): void {
  const x = p.cx;
  const y = p.t;
  const w = p.cw;
  const h = p.b - p.t;
  if (!not || x >= not.x + not.w || not.x >= x + w || y >= not.y + not.h || not.y >= y + h) {
    out.push(x, y, w, h);
    return;
  }
  // What is left of the rect around the box: above it, below it, and left and right of it between those.
  const top = Math.max(y, not.y);
  const bottom = Math.min(y + h, not.y + not.h);
  if (not.y > y) out.push(x, y, w, not.y - y);
  if (y + h > not.y + not.h) out.push(x, not.y + not.h, w, y + h - (not.y + not.h));
  if (not.x > x) out.push(x, top, not.x - x, bottom - top);
  if (x + w > not.x + not.w) out.push(not.x + not.w, top, x + w - (not.x + not.w), bottom - top);
}

/** A placed string's font box meets `b`. */
function meets(p: Placed, b: Box): boolean {
  return !!p.text && p.cx < b.x + b.w && b.x < p.cx + p.cw && p.t < b.y + b.h && b.y < p.b;
}

function overlaps(p: Placed, q: Placed): boolean {
  // Their clears meet: a string's pixels are inside its clear (the bands' pixel test checks it), so a clear elsewhere leaves them whole.
  return !!p.text && !!q.text && p.cx < q.cx + q.cw && q.cx < p.cx + p.cw && p.t < q.b && q.t < p.b;
}

let layer: TextLayer | null = null;

/** The page's text layer (its canvas comes with App's render, through `adopt`). */
export function textLayer(): TextLayer {
  return (layer ??= new TextLayer(() => devicePixelRatio));
}

/**
 * Draws what the live tiles changed in this frame (nothing when no live tile
 * was ever shown); `rendered`: the page rendered in this frame, so tiles may
 * have moved and their boxes are read again.
 */
export function flushText(rendered = false): void {
  if (rendered) layer?.relayout();
  layer?.flush();
}
