import { render } from 'preact';
import { CHANNELS, type ChannelName } from '../shared/schema.js';
import { App } from './components/App.js';
import { FrameLoop } from './frame-loop.js';
import { compileGlobs } from './glob.js';
import { type PageOptions, streamUrl } from './options.js';
import { SeriesStore } from './series-store.js';
import { StreamModel } from './stream-model.js';
import { groupTiles, type PageView } from './view.js';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

export interface Page {
  model: StreamModel;
  store: SeriesStore;
  loop: FrameLoop;
  stop(): void;
}

function channelColors(): Record<ChannelName, string> {
  const css = getComputedStyle(document.documentElement);
  const out = {} as Record<ChannelName, string>;
  for (const ch of CHANNELS) out[ch] = css.getPropertyValue(`--ch-${ch}`).trim() || '#7aa2f7';
  return out;
}

/** Wires options, store, stream model and frame loop to `root`; `stop()` undoes it. */
export function boot(opts: PageOptions, root: HTMLElement): Page {
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
  const model = new StreamModel({
    url: (id) => streamUrl(opts, id),
    createEventSource: (url) => new EventSource(url),
    store,
    onChange: () => loop?.request(),
  });

  function view(now: number): PageView {
    const interval = model.settings?.interval ?? 1000;
    const groups = groupTiles(store.list(), interval, now, opts.sources);
    return {
      title: opts.title || 'Vigil',
      state: model.state,
      lastEventAgeSec: model.lastEventAt === -Infinity ? null : Math.floor((now - model.lastEventAt) / 1000),
      malformed: model.malformed,
      lastProblem: model.lastProblem,
      problems: opts.problems,
      groups,
      tileCount: store.size,
      sources: new Set(store.list().map((s) => s.source)).size,
      kiosk: opts.kiosk,
      embed: opts.embed,
      span: opts.span,
      search: location.search,
    };
  }

  const draw = () => {
    if (html.dataset.state !== model.state) html.dataset.state = model.state;
    render(<App view={view(Date.now())} colors={colors} width={window.innerWidth} height={window.innerHeight} />, root);
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
    stop() {
      model.stop();
      loop?.stop();
      window.removeEventListener('resize', onResize);
      render(null, root);
    },
  };
}
