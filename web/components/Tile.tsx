import { Component, type ComponentChildren } from 'preact';
import type { CheckState, Trend } from '../../shared/schema.js';
import { type Formatted as FormattedValue, formatWith, formatWithText } from '../format.js';
import { ARROW, type LiveDom, LiveSlot, type LiveText, textLayer } from '../live-text.js';
import type { LiveTile, LiveTiles } from '../live-tiles.js';
import type { SeriesStore } from '../series-store.js';
import { ageOf, isStale, type TileView } from '../view.js';
import { Sparkline } from './Sparkline.js';

/** A state is a shape and a word, never a colour alone. */
export const STATE_ICON: Record<CheckState['status'], string> = { ok: '✓', warn: '▲', critical: '✕', unknown: '?' };
export const STATE_WORD: Record<CheckState['status'], string> = { ok: 'OK', warn: 'WARN', critical: 'CRITICAL', unknown: 'UNKNOWN' };

export function StateBadge({ check }: { check: CheckState }) {
  const level = check.level === null ? '' : ` (level ${check.level})`;
  return (
    <span class={`state st-${check.status}`} data-status={check.status} title={`${check.status}${level}`}>
      <span aria-hidden="true">{STATE_ICON[check.status]}</span> {STATE_WORD[check.status]}
    </span>
  );
}

export interface TileProps {
  tile: TileView;
  /** Show the source on the tile (flat kiosk grid with several sources). */
  showSource: boolean;
  color: string;
  /** Span of the sparkline's time axis, ms: points are placed by time over it. */
  span: number;
  /** The page's tiles that update without a render (the tile joins while mounted). */
  live?: LiveTiles | null;
}

/**
 * The text of a tile that changes every second (value, unit, footer figures,
 * age) is written here, not by Preact: the tile then skips its render when only
 * these changed (see Tile.shouldComponentUpdate), and Preact, which owns no such
 * text, can never leave a stale one behind.
 */
interface LiveRefs {
  /** The value row's and footer's inner boxes (the text layer copies their places). */
  valueIn: HTMLElement | null;
  footIn: HTMLElement | null;
  num: HTMLElement | null;
  unit: HTMLElement | null;
  age: HTMLElement | null;
  ageText: HTMLElement | null;
  /** A stale tile's age, after "⚠ stale · " (written here, not by Preact: it turns every second). */
  staleAge: HTMLElement | null;
  min: HTMLElement | null;
  avg: HTMLElement | null;
  max: HTMLElement | null;
}

function setText(el: HTMLElement | null, s: string): void {
  if (!el) return;
  const t = el.firstChild;
  if (t instanceof Text && !t.nextSibling) {
    if (t.data !== s) t.data = s;
  } else el.textContent = s;
}

/** The numbers and format the live text was last formatted from: a figure that did not change is not formatted again. */
interface Formatted {
  v: number;
  min: number;
  avg: number;
  max: number;
  unit: string;
  format: TileView['format'];
}

/**
 * Sets `t` to what the text layer draws for `tile`; true when any of it changed.
 * `value`: the value already formatted in the tile's unit and format, if it was.
 */
function liveText(tile: TileView, t: LiveText, last: Formatted, value: FormattedValue | null = null): boolean {
  const { stat, unit, format } = tile;
  let changed = false;
  const set = <K extends keyof LiveText>(k: K, v: LiveText[K]) => {
    if (t[k] !== v) (t[k] = v), (changed = true);
  };
  if (stat) {
    const same = last.unit === unit && sameFormat(last.format, format);
    if (!same || last.v !== stat.v) {
      const now = (same && value) || formatWith(stat.v, unit, format);
      set('value', now.value);
      set('unit', now.unit);
    }
    if (!same || last.min !== stat.min) set('min', `min ${formatWithText(stat.min, unit, format)}`);
    if (!same || last.avg !== stat.avg) set('avg', `avg ${formatWithText(stat.avg, unit, format)}`);
    if (!same || last.max !== stat.max) set('max', `max ${formatWithText(stat.max, unit, format)}`);
    last.v = stat.v;
    last.min = stat.min;
    last.avg = stat.avg;
    last.max = stat.max;
    last.unit = unit;
    last.format = format;
  }
  set('age', tile.age);
  // The arrow shows where there is no state badge (SingleTile).
  set('trend', stat && !tile.check ? stat.trend : '');
  return changed;
}

/** Sets an attribute when it differs (aria-label, title: attributes no style rule reads, so no restyle). */
function setAttr(el: HTMLElement | null | undefined, name: string, v: string): void {
  if (el && el.getAttribute(name) !== v) el.setAttribute(name, v);
}

/**
 * The aria-label this code last set on an element (Preact never sets one on a
 * live tile's rows): compared here rather than read back, as getAttribute makes
 * a new string each call (two a tile every frame, 0.18 ms/s in a profile).
 */
const labels = new WeakMap<Element, string>();

function setLabel(el: HTMLElement | null | undefined, v: string): void {
  if (!el || labels.get(el) === v) return;
  labels.set(el, v);
  el.setAttribute('aria-label', v);
}

/**
 * Writes the live text into the DOM. A stale tile (or one with no value) shows
 * it there as text. A live one (the text layer draws it) only names its value
 * row and footer for screen readers: `aria-label` on those `role="img"` boxes,
 * the same names their unrendered text gave them through aria-labelledby, so a
 * tick changes no text node and Chromium has no style or layout to bring up to
 * date. Its text boxes are then left as they were (`.cv` hides them).
 */
function writeLive(tile: TileView, r: LiveRefs, t: LiveText): void {
  if (drawsText(tile)) {
    setLabel(r.valueIn?.parentElement, `${t.value}${t.unit ? ` ${t.unit}` : ''} updated ${t.age}`);
    setLabel(r.footIn?.parentElement, `${t.min} ${t.avg} ${t.max}`);
    return;
  }
  if (tile.stat) {
    setText(r.num, t.value);
    setText(r.unit, t.unit);
    setText(r.min, t.min);
    setText(r.avg, t.avg);
    setText(r.max, t.max);
  }
  setText(r.ageText, tile.age);
  setText(r.staleAge, tile.age);
  setAttr(r.age, 'title', `updated ${tile.age}`);
}

/** Writes a live tile's text into its (hidden) DOM boxes as a stale tile shows it: for tests that compare the two. */
function writeDomText(tile: TileView, r: LiveRefs, t: LiveText): void {
  writeLive({ ...tile, stale: true }, r, t);
}

/** What decides the text boxes' places and styles: a change measures them again. */
function shapeOf(p: TileProps): string {
  const t = p.tile;
  return `${drawsText(t)}|${!!t.stat && !!formatWith(t.stat.v, t.unit, t.format).unit}|${p.showSource || t.showSource}|${t.stale}|${!!t.check}`;
}

/** A tile whose figures the text layer draws: one series, a value, not stale (a stale tile's are DOM text, greyed). */
function drawsText(tile: TileView): boolean {
  return !tile.lines && !!tile.stat && !tile.stale;
}

/** The elements the text layer copies, once they are all there. */
function domOf(r: LiveRefs, trend: HTMLElement | null): LiveDom | null {
  const { valueIn, footIn, num, age, min } = r;
  return valueIn && footIn && num && age && min ? { valueIn, footIn, num, unit: r.unit, age, min, trend } : null;
}

/**
 * Footer figures: each a whole figure or none. A zero-width first item lets
 * even the first figure wrap onto the hidden second line when it does not fit.
 */
function Figures({ refs, ids }: { refs: Array<(el: HTMLElement | null) => void>; ids: string[] }) {
  return (
    <span class="figs">
      <i />
      {refs.map((ref, i) => (
        <span key={i} id={ids[i]} ref={ref} />
      ))}
    </span>
  );
}

/**
 * A tile of several lines: each line's colour, name and value now (and its
 * state when it is not ok), so a line is told by its name, not its colour alone.
 */
function Legend({ lines }: { lines: readonly TileView[] }) {
  return (
    <ul class="legend">
      {lines.map((l, i) => {
        const st = l.check && l.check.status !== 'ok' ? l.check.status : null;
        return (
          <li key={l.key} class={`ln${st ? ` st-${st}` : ''}${l.stale ? ' ln-stale' : ''}`} data-line={l.lineName} data-status={l.check?.status} title={l.label}>
            <i class={`sw ln-${i}`} aria-hidden="true" />
            <span class="ln-name">{l.lineName}</span>
            <span class="ln-v">
              {st && `${STATE_ICON[st]} `}
              {l.stale ? '⚠ ' : ''}
              {l.stat ? formatWithText(l.stat.v, l.unit, l.format) : '–'}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * The arrow's tooltip says what the glyphs mean, and never changes: a new
 * `title` restyles its element every time (Chromium's own stylesheet selects
 * `abbr[title]`, so any element's title is in a style invalidation set), and
 * on a noisy series the arrow turns every few seconds (bench-page, traced with
 * invalidation tracking: `title` on `.trend`, the page's only style
 * invalidation on a tick). Screen readers get the trend now, as `aria-label`.
 */
const TREND_TITLE = `trend over the window: ${ARROW.rising} rising, ${ARROW.falling} falling, ${ARROW.stable} stable`;

/**
 * The trend arrow. It turns often (a noisy series flips between stable and
 * rising), so it is written here, not by Preact: a tile whose trend alone
 * changed updates it without a render (Tile.liveUpdate), and Preact, which owns
 * only its fixed tooltip, can never leave a stale glyph or name behind. On a live
 * tile the text layer draws the arrow (`drawn`): the box keeps the glyph it was
 * mounted or last shown with, hidden, and a new trend changes only its name
 * (`aria-label`, which no style rule reads), so a tick restyles, lays out and
 * paints no DOM.
 */
export class TrendMark extends Component<{ trend: Trend; drawn: boolean }> {
  private el: HTMLElement | null = null;
  /** The trend its name says, and the one its class and glyph show. */
  private named: Trend | null = null;
  private painted: Trend | null = null;
  private readonly setEl = (el: HTMLElement | null) => void (this.el = el);

  /** The box the text layer draws the arrow in. */
  get element(): HTMLElement | null {
    return this.el;
  }

  show(trend: Trend, drawn: boolean): void {
    const el = this.el;
    if (!el) return;
    if (trend !== this.named) {
      this.named = trend;
      el.setAttribute('aria-label', `trend ${trend}`);
    }
    // Mounted with a glyph even when drawn, so its box is the size it has when shown.
    if (trend === this.painted || (drawn && this.painted)) return;
    this.painted = trend;
    el.className = `trend trend-${trend}`;
    el.textContent = ARROW[trend];
  }
  override componentDidMount(): void {
    this.show(this.props.trend, this.props.drawn);
  }
  override componentDidUpdate(): void {
    this.show(this.props.trend, this.props.drawn);
  }
  override render() {
    return <span class="trend" title={TREND_TITLE} ref={this.setEl} />;
  }
}

interface FrameProps {
  tile: TileView;
  /** The tile's accessible name (and the title's tooltip); its status is added. */
  full: string;
  /** The source line under the title. */
  source: boolean;
  /** Lines drawn, for a tile of several lines. */
  lines?: number;
  /** What the header shows right of the title: a state badge, a trend, or the stale tag. */
  side: ComponentChildren;
  /** The live figures are drawn by the text layer (their DOM boxes are not rendered). */
  canvasText?: boolean;
  children: ComponentChildren;
}

/** What every tile has: the article with its state, the title row and the source line. */
function TileFrame({ tile, full, source, lines, side, canvasText, children }: FrameProps) {
  const { check } = tile;
  return (
    <article
      class={`tile${lines === undefined ? '' : ' multi'}${canvasText ? ' cv' : ''} ch-${tile.channel}${tile.stale ? ' stale' : ''}${check ? ` st-${check.status}` : ''}${source ? ' with-source' : ''}`}
      data-key={tile.key}
      data-lines={lines}
      data-stale={tile.stale ? 'true' : 'false'}
      data-status={check?.status}
      aria-label={check ? `${full}: ${check.status}` : full}
    >
      <div class="tile-body">
        <header class="tile-head">
          <h3 class="tile-name" title={full}>
            {tile.label}
          </h3>
          {side}
        </header>
        {source && <div class="tile-source">{tile.source}</div>}
        {children}
      </div>
    </article>
  );
}

function LinesTile({ tile, showSource, span, color }: TileProps) {
  const lines = tile.lines!;
  const { check } = tile;
  const full = `${tile.label} on ${tile.source}: ${lines.map((l) => l.lineName).join(', ')}`;
  const side = tile.stale ? <strong class="stale-tag age">⚠ stale · {tile.age}</strong> : check && <StateBadge check={check} />;
  return (
    <TileFrame tile={tile} full={full} source={showSource || tile.showSource} lines={lines.length} side={side}>
      <Sparkline ring={tile.ring} lines={lines.map((l) => l.ring)} version={tile.version} unit={tile.unit} color={color} span={span} warnAt={tile.warnAt} critAt={tile.critAt} label={`${tile.label}, recent values of ${lines.length} lines`} />
      <Legend lines={lines} />
    </TileFrame>
  );
}

interface LiveSetters {
  refs: LiveRefs;
  set: { [K in keyof LiveRefs]: (el: HTMLElement | null) => void };
  spark: (s: Sparkline | null) => void;
  trend: (t: TrendMark | null) => void;
  /** Ids of the text boxes, for the rows' accessible names. */
  id: string;
}

let tiles = 0;

function SingleTile({ tile, showSource, color, span }: TileProps, live: LiveSetters) {
  const { stat, unit, check, format } = tile;
  const now = stat ? formatWith(stat.v, unit, format) : null;
  const set = live.set;
  const id = live.id;
  const side = check ? <StateBadge check={check} /> : stat && <TrendMark ref={live.trend} trend={stat.trend} drawn={drawsText(tile)} />;
  return (
    <TileFrame tile={tile} full={`${tile.name} on ${tile.source}`} source={showSource || tile.showSource} side={side} canvasText={drawsText(tile)}>
      {/* The box has a fixed size; its inner box is a relayout boundary, so a new value lays out this row alone. */}
      {/* Drawn by the text layer when live: named by its (unrendered) text for screen readers. */}
      {/* Named by its text when that is shown; when drawn, writeLive names it (aria-label, which Preact never owns). */}
      <div class="tile-value" role="img" aria-labelledby={drawsText(tile) ? undefined : now ? `${id}-n ${now.unit ? `${id}-u ` : ''}${id}-a` : `${id}-n ${id}-a`}>
        <div class="in" ref={set.valueIn}>
          {now ? (
            <>
              <span class="num" id={`${id}-n`} ref={set.num} />
              {now.unit && <span class="unit" id={`${id}-u`} ref={set.unit} />}
            </>
          ) : (
            <span class="num none" id={`${id}-n`}>–</span>
          )}
          <span class="age" id={`${id}-a`} ref={set.age}>
            {tile.stale ? (
              <strong class="stale-tag">
                ⚠ stale · <span ref={set.staleAge} />
              </strong>
            ) : (
              <>
                <span class="age-word">updated </span>
                <span ref={set.ageText} />
              </>
            )}
          </span>
        </div>
      </div>
      <Sparkline ref={live.spark} ring={tile.ring} version={tile.version} unit={unit} color={color} span={span} warnAt={tile.warnAt} critAt={tile.critAt} label={`${tile.label}, recent values`} wall={!tile.stale} />
      <footer class="tile-foot" title={stat ? 'over the window' : undefined} role={stat ? 'img' : undefined} aria-labelledby={stat && !drawsText(tile) ? `${id}-min ${id}-avg ${id}-max` : undefined}>
        <div class="in" ref={set.footIn}>
          {stat && (
            <>
              <Figures ids={[`${id}-min`, `${id}-avg`]} refs={[set.min, set.avg]} />
              <span class="figs figs-max">
                <i />
                <span id={`${id}-max`} ref={set.max} />
              </span>
            </>
          )}
        </div>
      </footer>
    </TileFrame>
  );
}

function sameLines(x: readonly TileView[] | null, y: readonly TileView[] | null): boolean {
  if (x === y) return true;
  if (!x || !y || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = y[i];
    if (a.key !== b.key || a.stat !== b.stat || a.check !== b.check || a.stale !== b.stale || a.ring !== b.ring || a.lineName !== b.lineName) return false;
  }
  return true;
}

/** A dashboard tile's format is a new object each frame; its fields are what count. */
function sameFormat(a: TileView['format'], b: TileView['format']): boolean {
  return a === b || (!!a && !!b && a.scale === b.scale && a.unit === b.unit && a.decimals === b.decimals);
}

/** Everything but what writeLive writes (and the sparkline's points) is the same. */
function sameFrame(a: TileProps, b: TileProps): boolean {
  const x = a.tile;
  const y = b.tile;
  return (
    sameLines(x.lines, y.lines) &&
    x.key === y.key &&
    x.stale === y.stale &&
    x.unit === y.unit &&
    x.ring === y.ring &&
    x.check === y.check &&
    x.label === y.label &&
    sameFormat(x.format, y.format) &&
    x.warnAt === y.warnAt &&
    x.critAt === y.critAt &&
    x.showSource === y.showSource &&
    a.showSource === b.showSource &&
    a.color === b.color &&
    a.span === b.span
  );
}

/**
 * Between two frames of the same tile (sameFrame), only the live text, the
 * trend and the points changed: a tile of one series, not stale (its age is
 * Preact's text then), with a value before and after and a unit shown or not
 * alike.
 */
function liveOnly(x: TileView, y: TileView): boolean {
  if (x.lines || x.stale || !x.stat || !y.stat) return false;
  return !formatWith(x.stat.v, x.unit, x.format).unit === !formatWith(y.stat.v, y.unit, y.format).unit;
}

/**
 * Re-renders only when what it shows changed (a new point, a new second of age,
 * a new state). When only a single series' value, figures, age or points
 * changed, it writes those and redraws its sparkline without rendering.
 */
export class Tile extends Component<TileProps> implements LiveTile {
  private readonly live: LiveSetters = (() => {
    const refs: LiveRefs = { valueIn: null, footIn: null, num: null, unit: null, age: null, ageText: null, staleAge: null, min: null, avg: null, max: null };
    const set = {} as LiveSetters['set'];
    for (const k of Object.keys(refs) as Array<keyof LiveRefs>) set[k] = (el) => void (refs[k] = el);
    return { refs, set, spark: (s) => void (this.sparkline = s), trend: (t) => void (this.trend = t), id: `t${++tiles}` };
  })();
  private sparkline: Sparkline | null = null;
  private trend: TrendMark | null = null;
  /** What the text layer draws (written with the DOM text). */
  private readonly text: LiveText = { value: '', unit: '', age: '', min: '', avg: '', max: '', trend: '' };
  private readonly formatted: Formatted = { v: NaN, min: NaN, avg: NaN, max: NaN, unit: '', format: null };
  /** This tile on the page's text layer. */
  private readonly slot = (() => {
    const slot = new LiveSlot(() => domOf(this.live.refs, this.trend?.element ?? null));
    slot.plot = () => this.sparkline?.painted ?? null;
    return slot;
  })();

  /** The tile's shape when its text boxes' styles were last read. */
  private shape = '';

  /** Sets the text to draw for `tile`; the layer draws what changed in the frame's flush. True when its text changed. */
  private show(tile: TileView, value: FormattedValue | null = null): boolean {
    const changed = !tile.lines && liveText(tile, this.text, this.formatted, value);
    const text = drawsText(tile) ? this.text : null;
    if (changed || text !== this.slot.text) this.slot.dirty = true;
    this.slot.text = text;
    return changed;
  }

  override shouldComponentUpdate(next: TileProps): boolean {
    const x = this.props.tile;
    const y = next.tile;
    if (!sameFrame(this.props, next)) return true;
    if (x.version === y.version && x.age === y.age && x.stat === y.stat) return false;
    if (!liveOnly(x, y)) return true;
    this.trend?.show(y.stat!.trend, drawsText(y));
    this.show(y);
    writeLive(y, this.live.refs, this.text);
    if (y.version !== x.version) this.sparkline?.refresh();
    return false;
  }
  /**
   * The frame's update without a render (LiveTiles): the props' view is brought
   * up to the store (it is what the tile shows, so the next render's
   * shouldComponentUpdate compares against it) and the live text and points
   * drawn, as shouldComponentUpdate does for a frame that changed only those.
   */
  liveUpdate(store: SeriesStore, interval: number, now: number): boolean {
    const t = this.props.tile;
    if (t.lines) return this.linesUpdate(t, t.lines, store, interval, now);
    const s = store.get(t.key);
    if (!s || s.ring !== t.ring || s.unit !== t.unit || isStale(s, interval, now) !== t.stale) return false;
    const age = ageOf(s, now);
    if (t.version === s.version && t.age === age && t.stat === s.stat) return true;
    if (t.stale) {
      // A stale tile waits for data: only its age turns, every second, written into its DOM text without a render.
      // New data makes it live again (a render, above).
      if (t.version !== s.version || t.stat !== s.stat) return false;
      t.age = age;
      this.show(t);
      writeLive(t, this.live.refs, this.text);
      return true;
    }
    // A unit shown or not moves the text's boxes.
    if (!s.stat || !t.stat) return false;
    const value = s.stat.v === t.stat.v ? null : formatWith(s.stat.v, s.unit, t.format);
    if (value && !value.unit !== !this.text.unit) return false;
    const redraw = s.version !== t.version;
    t.stat = s.stat;
    t.version = s.version;
    t.age = age;
    this.trend?.show(s.stat.trend, drawsText(t));
    // The names screen readers read change with the text (a live tile's only DOM writes on a tick).
    if (this.show(t, value)) writeLive(t, this.live.refs, this.text);
    if (redraw) this.sparkline?.refresh();
    return true;
  }

  /**
   * A tile of lines: its legend and plot are Preact's, so new points render
   * this tile alone (a Preact render of one component, in this frame's
   * microtasks) after its lines' views are brought up to the store. A line gone
   * stale or back makes the page render (the tile's own staleness follows it).
   */
  private linesUpdate(t: TileView, lines: TileView[], store: SeriesStore, interval: number, now: number): boolean {
    let changed = false;
    for (const l of lines) {
      const s = store.get(l.key);
      if (!s || s.ring !== l.ring || s.unit !== l.unit || isStale(s, interval, now) !== l.stale) return false;
      if (s.version !== l.version || s.stat !== l.stat || ageOf(s, now) !== l.age) changed = true;
    }
    if (!changed) return true;
    let version = 0;
    for (const l of lines) {
      const s = store.get(l.key)!;
      l.stat = s.stat;
      l.version = s.version;
      l.age = ageOf(s, now);
      version += s.version;
    }
    // As foldLines: the tile's stat and age are its first line's, its version the sum of theirs.
    t.stat = lines[0].stat;
    t.age = lines[0].age;
    t.version = version;
    this.forceUpdate();
    return true;
  }

  override componentDidMount(): void {
    this.props.live?.add(this);
    if (this.props.tile.lines) return;
    this.show(this.props.tile);
    writeLive(this.props.tile, this.live.refs, this.text);
    this.shape = shapeOf(this.props);
    this.attach();
  }
  /** Puts this tile on the page's text layer (once it is a tile of one series). */
  private attach(): void {
    if (this.attached) return;
    this.attached = true;
    textLayer().add(this.slot);
    // For tests: what the layer draws for this tile (an expando, not an attribute: nothing restyles).
    const el = this.live.refs.valueIn?.closest('.tile');
    if (el) (el as Element & { vigilText?: LiveSlot }).vigilText = this.slot;
    this.slot.writeDom = () => writeDomText(this.props.tile, this.live.refs, this.text);
  }
  private attached = false;
  override componentDidUpdate(): void {
    this.show(this.props.tile);
    if (this.props.tile.lines) return;
    this.attach();
    writeLive(this.props.tile, this.live.refs, this.text);
    const shape = shapeOf(this.props);
    // A new shape (a unit or a source line shown, a stale tile come back) may move and restyle its boxes: read them again.
    // Where its boxes are is read again after every render of the page (flushText(true)): a render may move tiles.
    if (shape !== this.shape) (this.shape = shape), (this.slot.restyle = this.slot.dirty = true);
  }
  override componentWillUnmount(): void {
    this.props.live?.delete(this);
    if (this.attached) textLayer().remove(this.slot);
  }
  override render() {
    return this.props.tile.lines ? <LinesTile {...this.props} /> : SingleTile(this.props, this.live);
  }
}
