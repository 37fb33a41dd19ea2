import type { ChannelName } from '../../shared/schema.js';
import { fitGrid } from '../kiosk-layout.js';
import type { GroupView, PageView } from '../view.js';
import { ConnectionBadge, StatusBar } from './StatusBar.js';
import { SpanSwitch } from './SpanSwitch.js';
import { Tile } from './Tile.js';

export interface AppProps {
  view: PageView;
  colors: Record<ChannelName, string>;
  /** Viewport size in CSS pixels, for the kiosk grid. */
  width: number;
  height: number;
}

function Group({ group, colors, showSource }: { group: GroupView; colors: AppProps['colors']; showSource: boolean }) {
  return (
    <section class="group" data-group={group.key} aria-label={`${group.channel} on ${group.source}`}>
      <h2 class="group-title">
        <span class={`chip ch-${group.channel}`}>{group.channel}</span>
        {showSource && <span class="group-source">{group.source}</span>}
      </h2>
      <div class="grid">
        {group.tiles.map((t) => (
          <Tile key={t.key} tile={t} showSource={false} color={colors[t.channel]} />
        ))}
      </div>
    </section>
  );
}

function Empty({ view }: { view: PageView }) {
  const text =
    view.state === 'live' ? 'No metrics match this page’s filters.' : view.state === 'offline' ? 'Cannot reach the server; retrying.' : 'Waiting for the first snapshot…';
  return <p class="empty">{text}</p>;
}

/** Height of the kiosk's bottom strip (title, connection), CSS px; keep in step with styles.css. */
const KIOSK_STATUS = 34;

/** The kiosk view: one flat grid sized to the screen, no chrome but the connection badge. */
function Kiosk({ view, colors, width, height }: AppProps) {
  const tiles = view.groups.flatMap((g) => g.tiles);
  const { cols, rows } = fitGrid(tiles.length, width - 16, height - 16 - KIOSK_STATUS);
  return (
    <main class="kiosk-grid" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${rows}, minmax(0, 1fr))` }}>
      {tiles.length === 0 && <Empty view={view} />}
      {tiles.map((t) => (
        <Tile key={t.key} tile={t} showSource={view.sources > 1} color={colors[t.channel]} />
      ))}
    </main>
  );
}

export function App(props: AppProps) {
  const { view, colors } = props;
  const showSource = view.sources > 1;
  if (view.kiosk) {
    return (
      <>
        <Kiosk {...props} />
        <div class="kiosk-status">
          <span class="kiosk-title">{view.title}</span>
          <span class="bar-spacer" />
          {view.malformed > 0 && <span class="bar-warn malformed" data-malformed={view.malformed}>⚠ {view.malformed}</span>}
          <ConnectionBadge state={view.state} lastEventAgeSec={view.lastEventAgeSec} />
        </div>
      </>
    );
  }
  return (
    <>
      <StatusBar
        title={view.title}
        state={view.state}
        lastEventAgeSec={view.lastEventAgeSec}
        tileCount={view.tileCount}
        sources={view.sources}
        malformed={view.malformed}
        lastProblem={view.lastProblem}
        problems={view.problems}
      />
      {view.span && <SpanSwitch span={view.span} search={view.search ?? ''} />}
      <main class="groups">
        {view.groups.length === 0 && <Empty view={view} />}
        {view.groups.map((g) => (
          <Group key={g.key} group={g} colors={colors} showSource={showSource || !view.embed} />
        ))}
      </main>
    </>
  );
}
