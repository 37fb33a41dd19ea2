import type { Dashboard, Tile } from './dashboards.js';
import { globToRegExp } from './glob.js';
import { parseMetricKey } from './series.js';

/** Where a series shows on a dashboard: its section and its tile within it. */
export interface TilePlace {
  readonly section: number;
  readonly tile: number;
}

type KeyTest = (key: string, name: string) => boolean;

/** A `metric` or `hide` glob: on the metric key when it holds `{`, else on the name. */
function keyTest(glob: string): KeyTest {
  const re = globToRegExp(glob);
  return glob.includes('{') ? (key) => re.test(key) : (_key, name) => re.test(name);
}

interface CompiledTile {
  place: TilePlace;
  key: KeyTest;
  source: RegExp | null;
  labels: Array<[string, RegExp]>;
}

const CACHE_MAX = 20_000;

/**
 * A dashboard's tiles as matchers: `place(key, source)` is the first tile that
 * shows the series, or null when it is hidden or no tile takes it. Answers are
 * memoised per series (the page and the checks ask once per tick per series).
 */
export class DashboardMatcher {
  private readonly tiles: CompiledTile[] = [];
  private readonly hide: KeyTest[];
  private readonly cache = new Map<string, TilePlace | null>();

  constructor(readonly dashboard: Dashboard) {
    this.hide = (dashboard.hide ?? []).map(keyTest);
    dashboard.sections.forEach((s, section) =>
      s.tiles.forEach((t, tile) =>
        this.tiles.push({
          place: { section, tile },
          key: keyTest(t.metric),
          source: t.source && t.source !== '*' ? globToRegExp(t.source) : null,
          labels: Object.entries(t.labels ?? {}).map(([k, g]) => [k, globToRegExp(g)]),
        }),
      ),
    );
  }

  place(key: string, source: string): TilePlace | null {
    const id = `${key}@${source}`;
    let out = this.cache.get(id);
    if (out === undefined) {
      out = this.find(key, source);
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(id, out);
    }
    return out;
  }

  tile(p: TilePlace): Tile {
    return this.dashboard.sections[p.section].tiles[p.tile];
  }

  private find(key: string, source: string): TilePlace | null {
    const { name, labels } = parseMetricKey(key);
    if (this.hide.some((h) => h(key, name))) return null;
    for (const t of this.tiles) {
      if (!t.key(key, name) || (t.source && !t.source.test(source))) continue;
      if (t.labels.every(([k, re]) => Object.hasOwn(labels, k) && re.test(labels[k]))) return t.place;
    }
    return null;
  }
}

export function hasLevels(t: Tile): boolean {
  return t.warn !== undefined || t.critical !== undefined;
}

/** A check's id: the dashboard, the tile's place and the series, `default/0.2/host.fs.percent{mountpoint=/}@web-1`. */
export function checkId(dashboard: string, p: TilePlace, key: string, source: string): string {
  return `${dashboard}/${p.section}.${p.tile}/${key}@${source}`;
}
