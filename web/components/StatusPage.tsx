import { Component } from 'preact';
import type { ChannelName } from '../../shared/schema.js';
import { formatWithText } from '../format.js';
import type { PageView, TileView } from '../view.js';
import { Sparkline } from './Sparkline.js';
import { StateBadge } from './Tile.js';
import { Empty } from './Empty.js';

/** One check as a status-page row: its state, what it is, its value now and its sparkline. */
class Row extends Component<{ tile: TileView; color: string; span: number }> {
  override shouldComponentUpdate(next: { tile: TileView; color: string; span: number }): boolean {
    const a = this.props.tile;
    const b = next.tile;
    return a.version !== b.version || a.check !== b.check || a.stale !== b.stale || a.label !== b.label || this.props.span !== next.span;
  }
  override render({ tile, color, span }: { tile: TileView; color: string; span: number }) {
    const check = tile.check!;
    return (
      <li class={`row st-${check.status}`} data-key={tile.key} data-status={check.status}>
        <StateBadge check={check} />
        <span class="row-name">
          {tile.label}
          {tile.showSource && <span class="row-source"> · {tile.source}</span>}
        </span>
        <span class="row-value">{tile.stat ? formatWithText(tile.stat.v, tile.unit, tile.format) : '–'}</span>
        <Sparkline ring={tile.ring} version={tile.version} unit={tile.unit} color={color} span={span} warnAt={tile.warnAt} critAt={tile.critAt} label={`${tile.label}, last ${tile.ring.length} points`} />
      </li>
    );
  }
}

/** `?view=status`: a public status page, a row per check under its section (each line of a tile of lines is a check of its own); good in an iframe. */
export function StatusPage({ view, colors }: { view: PageView; colors: Record<ChannelName, string> }) {
  const sections = view.groups.map((g) => ({ ...g, tiles: g.tiles.flatMap((t) => t.lines ?? [t]).filter((t) => t.check) })).filter((g) => g.tiles.length);
  return (
    <main class="status-page">
      {sections.length === 0 && (view.ready ? <p class="empty">No checks on this dashboard.</p> : <Empty view={view} />)}
      {sections.map((g) => (
        <section class="status-section" key={g.key} data-group={g.key}>
          <h2 class="section-title">{g.title || `${g.channel} · ${g.source}`}</h2>
          <ul class="rows">
            {g.tiles.map((t) => (
              <Row key={t.key} tile={t} color={colors[t.channel]} span={view.spanMs} />
            ))}
          </ul>
        </section>
      ))}
    </main>
  );
}
