import { Component } from 'preact';
import type { CheckState, Trend } from '../../shared/schema.js';
import { formatWith, formatWithText } from '../format.js';
import type { TileView } from '../view.js';
import { Sparkline } from './Sparkline.js';

const ARROW: Record<Trend, string> = { rising: '▲', falling: '▼', stable: '▶' };

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
}

/**
 * Footer figures: each a whole figure or none. A zero-width first item lets
 * even the first figure wrap onto the hidden second line when it does not fit.
 */
function Figures({ items }: { items: string[] }) {
  return (
    <span class="figs">
      <i />
      {/* Keyed by place, not text: a new figure each second updates a text node, never replaces the span. */}
      {items.map((t, i) => (
        <span key={i}>{t}</span>
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

function LinesTile({ tile, showSource, span, color }: TileProps) {
  const lines = tile.lines!;
  const { check } = tile;
  const full = `${tile.label} on ${tile.source}: ${lines.map((l) => l.lineName).join(', ')}`;
  const source = showSource || tile.showSource;
  return (
    <article
      class={`tile multi ch-${tile.channel}${tile.stale ? ' stale' : ''}${check ? ` st-${check.status}` : ''}${source ? ' with-source' : ''}`}
      data-key={tile.key}
      data-lines={lines.length}
      data-stale={tile.stale ? 'true' : 'false'}
      data-status={check?.status}
      aria-label={check ? `${full}: ${check.status}` : full}
    >
      <div class="tile-body">
        <header class="tile-head">
          <h3 class="tile-name" title={full}>
            {tile.label}
          </h3>
          {tile.stale ? <strong class="stale-tag age">⚠ stale · {tile.age}</strong> : check && <StateBadge check={check} />}
        </header>
        {source && <div class="tile-source">{tile.source}</div>}
        <Sparkline ring={tile.ring} lines={lines.map((l) => l.ring)} version={tile.version} unit={tile.unit} color={color} span={span} warnAt={tile.warnAt} critAt={tile.critAt} label={`${tile.label}, recent values of ${lines.length} lines`} />
        <Legend lines={lines} />
      </div>
    </article>
  );
}

function TileImpl(props: TileProps) {
  if (props.tile.lines) return <LinesTile {...props} />;
  const { tile, showSource, color, span } = props;
  const { stat, unit, check, format } = tile;
  const now = stat ? formatWith(stat.v, unit, format) : null;
  const age = tile.age;
  const full = `${tile.name} on ${tile.source}`;
  const state = check ? ` st-${check.status}` : '';
  const source = showSource || tile.showSource;
  return (
    <article
      class={`tile ch-${tile.channel}${tile.stale ? ' stale' : ''}${state}${source ? ' with-source' : ''}`}
      data-key={tile.key}
      data-stale={tile.stale ? 'true' : 'false'}
      data-status={check?.status}
      aria-label={check ? `${full}: ${check.status}` : full}
    >
      <div class="tile-body">
      <header class="tile-head">
        <h3 class="tile-name" title={full}>
          {tile.label}
        </h3>
        {check ? (
          <StateBadge check={check} />
        ) : (
          stat && (
            <span class={`trend trend-${stat.trend}`} title={`trend: ${stat.trend}`} aria-label={`trend ${stat.trend}`}>
              {ARROW[stat.trend]}
            </span>
          )
        )}
      </header>
      {source && <div class="tile-source">{tile.source}</div>}
      {/* The box has a fixed size; its inner box is a relayout boundary, so a new value lays out this row alone. */}
      <div class="tile-value">
        <div class="in">
        {now ? (
          <>
            <span class="num">{now.value}</span>
            {now.unit && <span class="unit">{now.unit}</span>}
          </>
        ) : (
          <span class="num none">–</span>
        )}
        <span title={`updated ${age}`} class="age">
          {tile.stale ? (
            <strong class="stale-tag">⚠ stale · {age}</strong>
          ) : (
            <>
              <span class="age-word">updated </span>
              {age}
            </>
          )}
        </span>
        </div>
      </div>
      <Sparkline ring={tile.ring} version={tile.version} unit={unit} color={color} span={span} warnAt={tile.warnAt} critAt={tile.critAt} label={`${tile.label}, recent values`} />
      <footer class="tile-foot" title={stat ? 'over the window' : undefined}>
        {stat && (
          <div class="in">
            <Figures items={[`min ${formatWithText(stat.min, unit, format)}`, `avg ${formatWithText(stat.avg, unit, format)}`]} />
            <span class="figs figs-max">
              <i />
              <span>max {formatWithText(stat.max, unit, format)}</span>
            </span>
          </div>
        )}
      </footer>
      </div>
    </article>
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

function same(a: TileProps, b: TileProps): boolean {
  const x = a.tile;
  const y = b.tile;
  return (
    sameLines(x.lines, y.lines) &&
    x.key === y.key &&
    x.version === y.version &&
    x.age === y.age &&
    x.stale === y.stale &&
    x.stat === y.stat &&
    x.unit === y.unit &&
    x.ring === y.ring &&
    x.check === y.check &&
    x.label === y.label &&
    x.showSource === y.showSource &&
    a.showSource === b.showSource &&
    a.color === b.color &&
    a.span === b.span
  );
}

/** Re-renders only when what it shows changed (a new point, a new second of age, a new state). */
export class Tile extends Component<TileProps> {
  override shouldComponentUpdate(next: TileProps): boolean {
    return !same(this.props, next);
  }
  override render() {
    return <TileImpl {...this.props} />;
  }
}
