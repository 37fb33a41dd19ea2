import { render } from 'preact';
import { CHANNELS, type ChannelName } from '../shared/schema.js';
import { App } from './components/App.js';
import { FrameLoop } from './frame-loop.js';
import { compileGlobs } from '../shared/glob.js';
import { type PageOptions, streamUrl } from './options.js';
import { SeriesStore } from './series-store.js';
import { StreamModel } from './stream-model.js';
import { groupTiles, type PageView, type StatusSummary } from './view.js';
import { DashboardMatcher } from '../shared/tile-match.js';
import { dashboardSections, statusSummary } from './dashboard-view.js';
import { fetchDashboards, fetchHostFacts, hostLine } from './server-info.js';
import { flushText } from './live-text.js';
import { LiveTiles } from './live-tiles.js';
import { formatAge } from './format.js';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

/** How long a coarse span's x axis is, ms. */
const SPAN_MS = { '1h': 3_600_000, '24h': 86_400_000 } as const;

export interface Page {
  model: StreamModel;
  store: SeriesStore;
  loop: FrameLoop;
  /** Frames that rendered with Preact; the others only updated tiles from the store (bench-page prints both). */
  readonly renders: number;
  stop(): void;
}

function channelColors(): Record<ChannelName, string> {
  const css = getComputedStyle(document.documentElement);
  const out = {} as Record<ChannelName, string>;
  for (const ch of CHANNELS) out[ch] = css.getPropertyValue(`--ch-${ch}`).trim() || '#7aa2f7';
  return out;
}

/** Wires options, store, stream model and frame loop to `root`; `stop()` undoes it. */
export function boot(options: PageOptions, root: HTMLElement): Page {
  let opts = options;
  const html = document.documentElement;
  html.dataset.theme = opts.theme;
  html.classList.toggle('kiosk', opts.kiosk);
  html.classList.toggle('embed', opts.embed);
  document.title = opts.title || 'Vigil';

  const metricOk = compileGlobs(opts.metrics);
  const channels = new Set<string>(opts.channels);
  const sources = new Set(opts.sources);
  const store = new SeriesStore(
    (m) => (!channels.size || channels.has(m.channel)) && (!sources.size || sources.has(m.source)) && metricOk(m.name),
    opts.points,
  );
  const colors = channelColors();
  let loop: FrameLoop | null = null;
  /** Bumped when what the page shows around its tiles changes other than through the model or the store (dashboards, host facts). */
  let shell = 0;
  // The dashboard to show; null until api/dashboards answers (then the page groups by channel if it never does).
  let matcher: DashboardMatcher | null = null;
  let dashboardTitle = '';
  let host: string | null = null;
  const problems = [...opts.problems];
  let loadProblem: string | null = null;
  const loadDashboards = () =>
    fetchDashboards(opts.token).then(
      (file) => {
        const names = Object.keys(file.dashboards);
        const name = Object.hasOwn(file.dashboards, opts.dashboard) ? opts.dashboard : names[0];
        loadProblem = name === opts.dashboard ? null : `?dashboard: no dashboard "${opts.dashboard}" (there are: ${names.join(', ')}); showing "${name}"`;
        if (name !== opts.dashboard) opts = { ...opts, dashboard: name };
        matcher = new DashboardMatcher(file.dashboards[name]);
        summaryOf = -1;
        dashboardTitle = file.dashboards[name].title ?? '';
        shell++;
        loop?.request();
      },
      (err: Error) => {
        loadProblem = `dashboards not loaded (${err.message}); grouping by channel`;
        shell++;
        loop?.request();
      },
    );
  void loadDashboards();
  fetchHostFacts(opts.token).then(
    (h) => {
      host = h ? hostLine(h) : null;
      shell++;
      loop?.request();
    },
    () => {},
  );
  const model = new StreamModel({
    url: (id) => streamUrl(opts, id),
    createEventSource: (url) => new EventSource(url),
    store,
    onChange: () => loop?.request(),
    onFullStatus: () => void loadDashboards(),
  });

  // The status line is worked out only when the checks change, not every frame.
  let summary: StatusSummary = statusSummary([], opts.dashboard);
  let summaryOf = -1;
  function view(now: number): PageView {
    const interval = model.settings?.interval ?? 1000;
    const groups = matcher
      ? dashboardSections(opts.dashboard, matcher, store.list(), model.checks, interval, now)
      : groupTiles(store.list(), interval, now, opts.sources);
    if (summaryOf !== model.checksVersion) {
      summaryOf = model.checksVersion;
      summary = statusSummary(model.checks.values(), opts.dashboard);
    }
    return {
      title: opts.title || dashboardTitle || 'Vigil',
      host,
      ready: model.snapshots > 0,
      status: summary,
      statusView: opts.view === 'status',
      spanMs: opts.span === '5m' ? store.capacity * interval : SPAN_MS[opts.span],
      state: model.state,
      lastEventAgeSec: model.lastEventAt === -Infinity ? null : Math.floor((now - model.lastEventAt) / 1000),
      malformed: model.malformed,
      lastProblem: model.lastProblem,
      problems: loadProblem ? [...problems, loadProblem] : problems,
      groups,
      tileCount: groups.reduce((n, g) => n + g.tiles.length, 0),
      sources: new Set(store.list().map((s) => s.source)).size,
      kiosk: opts.kiosk,
      embed: opts.embed,
      span: opts.span,
      search: location.search,
    };
  }

  const live = new LiveTiles();
  let renders = 0;
  /** Everything the last render showed that is not a tile's data; a frame that changes none of it need not render. */
  let rendered = '';
  const shellKey = (now: number) =>
    `${shell}|${store.structure}|${model.checksVersion}|${model.snapshots > 0}|${model.state}|${model.malformed}|${model.lastProblem}|` +
    `${model.lastEventAt === -Infinity ? '' : formatAge(now - model.lastEventAt)}|${window.innerWidth}x${window.innerHeight}`;

  const draw = () => {
    if (html.dataset.state !== model.state) html.dataset.state = model.state;
    const now = Date.now();
    const key = shellKey(now);
    // Only values changed (the common tick): the tiles update from the store, without a view or a render.
    if (key === rendered && live.size && live.update(store, model.settings?.interval ?? 1000, now)) {
      flushText();
      return;
    }
    rendered = key;
    renders++;
    render(<App view={view(now)} colors={colors} width={window.innerWidth} height={window.innerHeight} live={opts.view === 'status' ? null : live} />, root);
    // The live tiles' figures changed in this render, and tiles may have moved: their boxes are read again and drawn now, in the same frame.
    flushText(true);
  };
  root.textContent = ''; // the static "Loading…" placeholder; Preact does not diff against it
  loop = new FrameLoop(draw);
  const onResize = () => loop?.request();
  window.addEventListener('resize', onResize);
  model.start();
  loop.start(1000);

  return {
    model,
    store,
    loop,
    get renders() {
      return renders;
    },
    stop() {
      model.stop();
      loop?.stop();
      window.removeEventListener('resize', onResize);
      render(null, root);
    },
  };
}
