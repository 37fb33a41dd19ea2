import type { Dashboard } from '../shared/dashboards.js';
import { type CheckState, CHECK_STATUSES } from '../shared/schema.js';
import { checkId, DashboardMatcher, hasLevels } from '../shared/tile-match.js';
import type { Series } from './series-store.js';
import { foldLines } from './tile-lines.js';
import { type GroupView, type StatusSummary, type TileView, tileView } from './view.js';

/**
 * A dashboard's sections over the store's series: each series in the first tile
 * that matches it (shared/tile-match.ts, as the server does), sections and tiles
 * in the dashboard's order, series within a tile in the store's order. A tile
 * with levels carries its check, by the id the server gives it.
 */
export function dashboardSections(
  name: string,
  matcher: DashboardMatcher,
  series: readonly Series[],
  checks: ReadonlyMap<string, CheckState>,
  interval: number,
  now: number,
): GroupView[] {
  const d: Dashboard = matcher.dashboard;
  const buckets: Series[][][] = d.sections.map((s) => s.tiles.map(() => []));
  const sourcesOf = new Map<string, Set<string>>();
  for (const s of series) {
    const p = matcher.place(s.name, s.source);
    if (!p) continue;
    buckets[p.section][p.tile].push(s);
    let set = sourcesOf.get(s.name);
    if (!set) sourcesOf.set(s.name, (set = new Set()));
    set.add(s.source);
  }
  const out: GroupView[] = [];
  d.sections.forEach((section, si) => {
    const tiles: TileView[] = [];
    for (let ti = 0; ti < section.tiles.length; ti++) {
      const tile = section.tiles[ti];
      const judged = hasLevels(tile);
      const scale = tile.scale ?? 1;
      const views: TileView[] = [];
      for (const s of buckets[si][ti]) {
        const v = tileView(s, interval, now);
        v.check = judged ? (checks.get(checkId(name, { section: si, tile: ti }, s.name, s.source)) ?? null) : null;
        if (tile.title) v.label = v.check?.title ?? titled(tile.title, v.label, tile.lines ? '*' : tile.metric);
        v.warnAt = tile.warn === undefined ? null : tile.warn / scale;
        v.critAt = tile.critical === undefined ? null : tile.critical / scale;
        if (tile.scale !== undefined || tile.unit !== undefined || tile.decimals !== undefined) v.format = { scale, unit: tile.unit ?? null, decimals: tile.decimals ?? null };
        v.showSource = (sourcesOf.get(s.name)?.size ?? 0) > 1;
        views.push(v);
      }
      tiles.push(...(tile.lines ? foldLines(views, tile.lines, tile.title) : views));
    }
    if (tiles.length) out.push({ key: `s${si}`, title: section.title, channel: tiles[0].channel, source: '', tiles });
  });
  return out;
}

/** A glob tile's title keeps what tells its series apart (their label values). */
function titled(title: string, label: string, metric: string): string {
  if (!/[*?]/.test(metric)) return title;
  const sp = label.indexOf(' ');
  return sp > 0 ? `${title}${label.slice(sp)}` : title;
}

const PLURAL: Record<CheckState['status'], [string, string]> = {
  critical: ['critical', 'critical'],
  warn: ['warning', 'warnings'],
  unknown: ['unknown', 'unknown'],
  ok: ['ok', 'ok'],
};

/** "All normal", or "1 critical · 2 warnings" and the names of the worst checks ("CPU on web-1"). */
export function statusSummary(checks: Iterable<CheckState>, dashboard: string): StatusSummary {
  const by: Record<CheckState['status'], CheckState[]> = { ok: [], unknown: [], warn: [], critical: [] };
  let n = 0;
  for (const c of checks) {
    if (c.dashboard !== dashboard) continue;
    by[c.status].push(c);
    n++;
  }
  const worst = [...CHECK_STATUSES].reverse().find((s) => by[s].length) ?? 'ok';
  if (worst === 'ok') return { worst, text: n ? 'All normal' : 'No checks', names: '', checks: n };
  const parts: string[] = [];
  for (const s of ['critical', 'warn', 'unknown'] as const) if (by[s].length) parts.push(`${by[s].length} ${PLURAL[s][by[s].length === 1 ? 0 : 1]}`);
  const bad = by[worst];
  const multi = new Set(bad.map((c) => c.source)).size > 1;
  let names = bad.slice(0, 3).map((c) => (multi ? `${c.title} on ${c.source}` : c.title)).join(', ');
  if (bad.length > 3) names += ` +${bad.length - 3}`;
  return { worst, text: parts.join(' · '), names, checks: n };
}
