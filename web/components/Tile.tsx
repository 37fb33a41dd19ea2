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

function TileImpl({ tile, showSource, color, span }: TileProps) {
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
      <div class="tile-value">
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
      <Sparkline ring={tile.ring} version={tile.version} unit={unit} color={color} span={span} warnAt={tile.warnAt} critAt={tile.critAt} label={`${tile.label}, recent values`} />
      <footer class="tile-foot" title={stat ? 'over the window' : undefined}>
        {stat && (
          <>
            <Figures items={[`min ${formatWithText(stat.min, unit, format)}`, `avg ${formatWithText(stat.avg, unit, format)}`]} />
            <span class="figs figs-max">
              <i />
              <span>max {formatWithText(stat.max, unit, format)}</span>
            </span>
          </>
        )}
      </footer>
      </div>
    </article>
  );
}

function same(a: TileProps, b: TileProps): boolean {
  const x = a.tile;
  const y = b.tile;
  return (
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
