import type { ChannelName } from '../../shared/schema.js';
import { fitGrid } from '../kiosk-layout.js';
import type { GroupView, PageView } from '../view.js';
import { Empty } from './Empty.js';
import { StatusLine } from './StatusLine.js';
import { ConnectionBadge, StatusBar } from './StatusBar.js';
import { SpanSwitch } from './SpanSwitch.js';
import { StatusPage } from './StatusPage.js';
import { Tile } from './Tile.js';
import { textLayer } from '../live-text.js';
import type { LiveTiles } from '../live-tiles.js';

/** The live tiles' text layer, over the tiles' container: its canvases are the layer's, not Preact's (see live-text.ts). */
function TextCanvas() {
  return <div class="live-text" aria-hidden="true" ref={textLayer().adopt} />;
}

export interface AppProps {
  view: PageView;
  colors: Record<ChannelName, string>;
  /** Viewport size in CSS pixels, for the kiosk grid. */
  width: number;
  height: number;
  /** The tiles that update without a render (boot's frames in which only values changed). */
  live?: LiveTiles | null;
}

function Group({ group, colors, span, live }: { group: GroupView; colors: AppProps['colors']; span: number; live: LiveTiles | null }) {
  return (
    <section class="group" data-group={group.key} aria-label={group.title || `${group.channel} on ${group.source}`}>
      <h2 class="group-title">
        {group.title ? (
          <span class="section-title">{group.title}</span>
        ) : (
          <>
            <span class={`chip ch-${group.channel}`}>{group.channel}</span>
            <span class="group-source">{group.source}</span>
          </>
        )}
      </h2>
      <div class="grid">
        {group.tiles.map((t) => (
          <Tile key={t.key} tile={t} showSource={false} color={colors[t.channel]} span={span} live={live} />
        ))}
      </div>
    </section>
  );
}

/** Height of the kiosk's top strip (title, status, connection), CSS px: large enough to read across a room. */
export function kioskBar(width: number, height: number): number {
  return Math.round(Math.max(34, Math.min(160, 0.06 * Math.min(width, height))));
}

/** The kiosk view: one grid sized to the screen; each section opens with a cell that names it. */
function Kiosk({ view, colors, width, height, live }: AppProps) {
  const bar = kioskBar(width, height);
  const cells = view.groups.reduce((n, g) => n + g.tiles.length + (g.title ? 1 : 0), 0);
  const { cols, rows } = fitGrid(cells, width - 16, height - 16 - bar);
  return (
    <main class="kiosk-grid" style={{ height: `calc(100vh - ${bar}px)`, gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${rows}, minmax(0, 1fr))` }}>
      <TextCanvas />
      {cells === 0 && <Empty view={view} />}
      {view.groups.map((g) => [
        g.title ? (
          <h2 class="kiosk-section" key={`h-${g.key}`}>
            {g.title}
          </h2>
        ) : null,
        ...g.tiles.map((t) => <Tile key={t.key} tile={t} showSource={view.sources > 1 && !g.title} color={colors[t.channel]} span={view.spanMs} live={live} />),
      ])}
    </main>
  );
}

export function App(props: AppProps) {
  const { view, colors } = props;
  if (view.kiosk) {
    const bar = kioskBar(props.width, props.height);
    return (
      <>
        <div class="kiosk-status" style={{ height: `${bar}px`, fontSize: `${Math.round(bar * 0.42)}px` }}>
          <span class="kiosk-title">{view.title}</span>
          <StatusLine status={view.status} />
          <span class="bar-spacer" />
          {view.malformed > 0 && <span class="bar-warn malformed" data-malformed={view.malformed}>⚠ {view.malformed}</span>}
          <ConnectionBadge state={view.state} lastEventAgeSec={view.lastEventAgeSec} />
        </div>
        {view.statusView ? <StatusPage view={view} colors={colors} /> : <Kiosk {...props} />}
      </>
    );
  }
  return (
    <>
      <StatusBar
        title={view.title}
        host={view.host}
        ready={view.ready}
        status={view.status}
        state={view.state}
        lastEventAgeSec={view.lastEventAgeSec}
        tileCount={view.tileCount}
        sources={view.sources}
        malformed={view.malformed}
        lastProblem={view.lastProblem}
        problems={view.problems}
      />
      {view.span && <SpanSwitch span={view.span} search={view.search ?? ''} />}
      {view.statusView ? (
        <StatusPage view={view} colors={colors} />
      ) : (
        <main class="groups">
          <TextCanvas />
          {view.groups.length === 0 && <Empty view={view} />}
          {view.groups.map((g) => (
            <Group key={g.key} group={g} colors={colors} span={view.spanMs} live={props.live ?? null} />
          ))}
        </main>
      )}
    </>
  );
}
