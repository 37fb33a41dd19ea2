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

/** Measured text, cached per string; the cache is emptied when it grows (a wall's figures repeat). */
class Measure {
  private readonly widths = new Map<string, number>();
  private readonly metrics = new Map<string, { a: number; d: number }>();
  width(ctx: CanvasRenderingContext2D, s: TextStyle, text: string): number {
    const k = `${s.font}|${s.letterSpacing}|${text}`;
    let w = this.widths.get(k);
    if (w === undefined) {
      if (this.widths.size > 256) this.widths.clear();
      this.apply(ctx, s);
      w = ctx.measureText(text).width;
      this.widths.set(k, w);
    }
    return w;
  }
  /** Ascent and descent of the font's line box. */
  font(ctx: CanvasRenderingContext2D, s: TextStyle): { a: number; d: number } {
    let m = this.metrics.get(s.font);
    if (!m) {
      if (this.metrics.size > 16) this.metrics.clear();
      this.apply(ctx, s);
      const t = ctx.measureText('0');
      m = { a: t.fontBoundingBoxAscent, d: t.fontBoundingBoxDescent };
      this.metrics.set(s.font, m);
    }
    return m;
  }
  apply(ctx: CanvasRenderingContext2D, s: TextStyle): void {
    ctx.font = s.font;
    ctx.letterSpacing = s.letterSpacing;
  }
}

/** Baseline of a line box of `s` whose top is `top`: half the leading, then the ascent. */
function baseline(m: Measure, ctx: CanvasRenderingContext2D, s: TextStyle, top: number): number {
  const f = m.font(ctx, s);
  return top + (s.line - (f.a + f.d)) / 2 + f.a;
}

/** What was drawn where (CSS px in the canvas), kept on the canvas element for tests. */
export interface Drawn {
  text: string;
  x: number;
  w: number;
  box: 'value' | 'foot';
}

/** The text drawer of one canvas. */
export class LiveTextDrawer {
  private readonly m = new Measure();
  /** The layout of the last draw (a fixed-size array, reused). */
  readonly drawn: Drawn[] = [];

  draw(ctx: CanvasRenderingContext2D, ratio: number, g: LiveGeometry, t: LiveText): void {
    const m = this.m;
    this.drawn.length = 0;
    ctx.save();
    ctx.scale(ratio, ratio);
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    const v = g.value;
    const numW = m.width(ctx, g.num, t.value);
    const unitW = t.unit ? m.width(ctx, g.unit, t.unit) : 0;
    // Flex items aligned by baseline: the deepest baseline from the row's top sets it.
    const base = Math.max(baseline(m, ctx, g.num, v.y), t.unit ? baseline(m, ctx, g.unit, v.y) : -Infinity);
    this.text(ctx, g.num, t.value, v.x, base, numW, 'value');
    let end = v.x + numW;
    if (t.unit) {
      this.text(ctx, g.unit, t.unit, end + g.valueGap, base, unitW, 'value');
      end += g.valueGap + unitW;
    }
    // The age sits top right; squeezed, it is cut with an ellipsis (text-overflow).
    const room = v.x + v.w - (end + g.valueGap);
    const full = g.ageWord ? `updated ${t.age}` : t.age;
    const age = this.fit(ctx, g.age, full, room);
    if (age) {
      const w = m.width(ctx, g.age, age);
      const x = age === full ? v.x + v.w - w : end + g.valueGap;
      this.text(ctx, g.age, age, x, baseline(m, ctx, g.age, v.y + g.agePad), w, 'value');
    }
    const f = g.foot;
    const minW = m.width(ctx, g.figs, t.min);
    const avgW = m.width(ctx, g.figs, t.avg);
    const maxW = m.width(ctx, g.figs, t.max);
    const at = layoutFoot(f.w, minW, avgW, maxW, g.footGap, g.figGap);
    const fb = baseline(m, ctx, g.figs, f.y);
    if (at.min !== null) this.text(ctx, g.figs, t.min, f.x + at.min, fb, minW, 'foot');
    if (at.avg !== null) this.text(ctx, g.figs, t.avg, f.x + at.avg, fb, avgW, 'foot');
    if (at.max !== null) this.text(ctx, g.figs, t.max, f.x + at.max, fb, maxW, 'foot');
    ctx.restore();
  }

  private text(ctx: CanvasRenderingContext2D, s: TextStyle, text: string, x: number, y: number, w: number, box: Drawn['box']): void {
    this.m.apply(ctx, s);
    ctx.fillStyle = s.color;
    ctx.fillText(text, x, y);
    this.drawn.push({ text, x, w, box });
  }

  /** `text`, or as much of it as fits in `room` followed by an ellipsis, or nothing. */
  private fit(ctx: CanvasRenderingContext2D, s: TextStyle, text: string, room: number): string {
    if (this.m.width(ctx, s, text) <= room) return text;
    for (let n = text.length - 1; n > 0; n--) {
      const cut = `${text.slice(0, n)}…`;
      if (this.m.width(ctx, s, cut) <= room) return cut;
    }
    return '';
  }
}
