/**
 * A live tile's figures drawn into its sparkline's canvas.
 *
 * The value, unit, age and footer figures of a tile change every second. As
 * DOM text, each change costs Chromium a style, layout, pre-paint, paint and
 * layerization pass over the page every second (bench-page --trace); drawn into
 * the canvas the tile redraws anyway, a tick changes no DOM that is rendered.
 * The DOM keeps the same text in boxes that are not rendered (screen readers
 * read it through aria-labelledby, tests through textContent), and fixes the
 * geometry: the canvas copies where the value row and footer are, their fonts
 * and colours, measured when the tile is laid out, and lays the strings out as
 * the DOM's flex rows would (see layoutFoot).
 */

/** What a live tile's canvas writes. */
export interface LiveText {
  value: string;
  unit: string;
  /** "now", "4 s ago" (drawn after "updated " where the DOM shows that word). */
  age: string;
  min: string;
  avg: string;
  max: string;
}

export interface TextStyle {
  font: string;
  color: string;
  letterSpacing: string;
  /** Line height, CSS px. */
  line: number;
  /** Caches of this style's character widths and font ascent/descent (filled when drawn). */
  widths?: Map<number, number>;
  metrics?: { a: number; d: number };
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
  return {
    font: `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`,
    color: cs.color,
    letterSpacing: cs.letterSpacing === 'normal' ? '0px' : cs.letterSpacing,
    line: px(cs.lineHeight, 1.35 * size),
  };
}

/**
 * Width of `text` in style `s`: the sum of its characters' widths, each measured
 * once per style (a new style, measured at layout, starts afresh). Figures are
 * tabular in the DOM (`font-variant-numeric`), as the page's fonts' digits are
 * by default, so a sum of advances is the string's width within kerning (well
 * under a pixel); it spares a measureText per changed string every second.
 */
function widthOf(ctx: CanvasRenderingContext2D, s: TextStyle, text: string): number {
  const cache = (s.widths ??= new Map());
  let w = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let cw = cache.get(c);
    if (cw === undefined) {
      if (cache.size > 512) cache.clear();
      setFont(ctx, s);
      cw = ctx.measureText(text[i]).width;
      cache.set(c, cw);
    }
    w += cw;
  }
  return w;
}

/** Setting ctx.font parses it: only when it differs from what this draw set last. */
let fontSet: TextStyle | null = null;
function setFont(ctx: CanvasRenderingContext2D, s: TextStyle): void {
  if (fontSet === s) return;
  fontSet = s;
  ctx.font = s.font;
  ctx.letterSpacing = s.letterSpacing;
}

/** Baseline of a line box of `s` whose top is `top`: half the leading, then the ascent (whole pixels, as Blink places them). */
function baseline(ctx: CanvasRenderingContext2D, s: TextStyle, top: number): number {
  if (!s.metrics) {
    setFont(ctx, s);
    const t = ctx.measureText('0');
    s.metrics = { a: Math.round(t.fontBoundingBoxAscent), d: Math.round(t.fontBoundingBoxDescent) };
  }
  const { a, d } = s.metrics;
  return top + Math.floor((s.line - (a + d)) / 2) + a;
}

/** What was drawn where (CSS px in the canvas), kept on the canvas element for tests. */
export interface Drawn {
  text: string;
  x: number;
  /** Baseline. */
  y: number;
  w: number;
  box: 'value' | 'foot';
}

/** The text drawer of one canvas. */
export class LiveTextDrawer {
  /** The layout of the last draw: the first `count` entries (objects reused). */
  private readonly drawn: Drawn[] = [];
  private count = 0;

  /** What the last draw showed (for tests). */
  shown(): Drawn[] {
    return this.drawn.slice(0, this.count).map((d) => ({ ...d }));
  }

  clear(): void {
    this.count = 0;
  }

  draw(ctx: CanvasRenderingContext2D, ratio: number, g: LiveGeometry, t: LiveText): void {
    this.count = 0;
    fontSet = null;
    ctx.save();
    ctx.scale(ratio, ratio);
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    const v = g.value;
    const numW = widthOf(ctx, g.num, t.value);
    const unitW = t.unit ? widthOf(ctx, g.unit, t.unit) : 0;
    // Flex items aligned by baseline: the deepest baseline from the row's top sets it.
    const base = Math.max(baseline(ctx, g.num, v.y), t.unit ? baseline(ctx, g.unit, v.y) : -Infinity);
    this.text(ctx, g.num, t.value, v.x, base, numW, 'value');
    let end = v.x + numW;
    if (t.unit) {
      this.text(ctx, g.unit, t.unit, end + g.valueGap, base, unitW, 'value');
      end += g.valueGap + unitW;
    }
    // The age sits top right; squeezed, it is cut with an ellipsis (text-overflow).
    const room = v.x + v.w - (end + g.valueGap);
    const full = g.ageWord ? `updated ${t.age}` : t.age;
    const age = fit(ctx, g.age, full, room);
    if (age) {
      const w = widthOf(ctx, g.age, age);
      const x = age === full ? v.x + v.w - w : end + g.valueGap;
      this.text(ctx, g.age, age, x, baseline(ctx, g.age, v.y + g.agePad), w, 'value');
    }
    const f = g.foot;
    const minW = widthOf(ctx, g.figs, t.min);
    const avgW = widthOf(ctx, g.figs, t.avg);
    const maxW = widthOf(ctx, g.figs, t.max);
    const at = layoutFoot(f.w, minW, avgW, maxW, g.footGap, g.figGap);
    const fb = baseline(ctx, g.figs, f.y);
    if (at.min !== null) this.text(ctx, g.figs, t.min, f.x + at.min, fb, minW, 'foot');
    if (at.avg !== null) this.text(ctx, g.figs, t.avg, f.x + at.avg, fb, avgW, 'foot');
    if (at.max !== null) this.text(ctx, g.figs, t.max, f.x + at.max, fb, maxW, 'foot');
    ctx.restore();
    fontSet = null;
  }

  private text(ctx: CanvasRenderingContext2D, s: TextStyle, text: string, x: number, y: number, w: number, box: Drawn['box']): void {
    setFont(ctx, s);
    ctx.fillStyle = s.color;
    ctx.fillText(text, x, y);
    const d = (this.drawn[this.count++] ??= { text, x, y, w, box });
    d.text = text;
    d.x = x;
    d.y = y;
    d.w = w;
    d.box = box;
  }
}

/** `text`, or as much of it as fits in `room` followed by an ellipsis, or nothing. */
function fit(ctx: CanvasRenderingContext2D, s: TextStyle, text: string, room: number): string {
  if (widthOf(ctx, s, text) <= room) return text;
  for (let n = text.length - 1; n > 0; n--) {
    const cut = `${text.slice(0, n)}…`;
    if (widthOf(ctx, s, cut) <= room) return cut;
  }
  return '';
}
