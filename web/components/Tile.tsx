import { Component } from 'preact';
import type { Trend } from '../../shared/schema.js';
import { formatText, formatValue } from '../format.js';
import type { TileView } from '../view.js';
import { Sparkline } from './Sparkline.js';

const ARROW: Record<Trend, string> = { rising: '▲', falling: '▼', stable: '▶' };

export interface TileProps {
  tile: TileView;
  /** Show the source on the tile (flat kiosk grid with several sources). */
  showSource: boolean;
  color: string;
}

function TileImpl({ tile, showSource, color }: TileProps) {
  const { stat, unit } = tile;
  const now = stat ? formatValue(stat.v, unit) : null;
  const age = tile.age;
  const full = `${tile.name} on ${tile.source}`;
  return (
    <article
      class={`tile ch-${tile.channel}${tile.stale ? ' stale' : ''}`}
      data-key={tile.key}
      data-stale={tile.stale ? 'true' : 'false'}
      aria-label={full}
    >
      <div class="tile-body">
      <header class="tile-head">
        <h3 class="tile-name" title={full}>
          {tile.label}
          {showSource && <span class="tile-source"> · {tile.source}</span>}
        </h3>
        {stat && (
          <span class={`trend trend-${stat.trend}`} title={`trend: ${stat.trend}`} aria-label={`trend ${stat.trend}`}>
            {ARROW[stat.trend]}
          </span>
        )}
      </header>
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
      <Sparkline ring={tile.ring} version={tile.version} unit={unit} color={color} label={`${tile.label}, recent values`} />
      <footer class="tile-foot">
        {stat ? (
          <span class="window" title="over the window">
            {/* min and avg share a wrapping box: an average that does not fit whole wraps out of sight; max always shows. */}
            <span class="window-lo">
              <span>min {formatText(stat.min, unit)}</span>
              <span class="avg">avg {formatText(stat.avg, unit)}</span>
            </span>
            <span class="max">max {formatText(stat.max, unit)}</span>
          </span>
        ) : (
          <span class="window" />
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
    a.showSource === b.showSource &&
    a.color === b.color
  );
}

/** Re-renders only when what it shows changed (a new point, a new second of age). */
export class Tile extends Component<TileProps> {
  override shouldComponentUpdate(next: TileProps): boolean {
    return !same(this.props, next);
  }
  override render() {
    return <TileImpl {...this.props} />;
  }
}
