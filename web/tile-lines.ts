import { LINES_MAX } from '../shared/dashboards.js';
import { CHECK_STATUSES, type CheckState } from '../shared/schema.js';
import { parseMetricKey } from '../shared/series.js';
import type { TileView } from './view.js';

/**
 * Where a series goes on a tile with `lines`: `group` names the tile (the key
 * with the line's part as `*`: `host.cpu.mode{mode=*}`, `host.disk.*{device=sda}`),
 * `line` names its line in the legend (`user`, `read`). A series without the
 * label is a group of its own.
 */
export function lineOf(key: string, by: string): { group: string; line: string } {
  const { name, labels } = parseMetricKey(key);
  const rest = key.slice(name.length);
  if (by === 'metric') {
    const dot = name.lastIndexOf('.');
    return dot < 0 ? { group: key, line: name } : { group: `${name.slice(0, dot)}.*${rest}`, line: name.slice(dot + 1) };
  }
  if (!Object.hasOwn(labels, by)) return { group: key, line: '' };
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${k === by ? '*' : labels[k]}`);
  return { group: `${name}{${pairs.join(',')}}`, line: labels[by] };
}

/** The tile's title: the dashboard's, or the group's name without its channel; then the label values the lines share. */
function groupTitle(group: string, channel: string, title: string | undefined): string {
  const { name, labels } = parseMetricKey(group);
  let out = title ?? name.replace(/\.\*$/, '');
  if (!title && out.startsWith(`${channel}.`)) out = out.slice(channel.length + 1);
  for (const k in labels) if (labels[k] !== '*') out += ` ${labels[k]}`;
  return out;
}

const rank = (c: CheckState | null) => (c ? CHECK_STATUSES.indexOf(c.status) : -1);

/**
 * Folds a `lines` tile's series views (in the store's order) into tiles of up
 * to LINES_MAX lines: series that differ only in the `lines` label (or the
 * last word of their name) and share source and unit. A group of one stays a
 * plain tile. A tile of lines carries the worst of its lines' checks (each line
 * is its own check on the server), is stale when every line is, and bumps its
 * version whenever any line's does.
 */
export function foldLines(views: readonly TileView[], by: string, title: string | undefined): TileView[] {
  const groups = new Map<string, { group: string; lines: TileView[] }>();
  for (const v of views) {
    const { group, line } = lineOf(v.name, by);
    v.lineName = line;
    const id = `${group}@${v.source}|${v.unit}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { group, lines: [] }));
    g.lines.push(v);
  }
  const out: TileView[] = [];
  for (const { group, lines } of groups.values()) {
    if (lines.length === 1) {
      out.push(lines[0]);
      continue;
    }
    for (let i = 0; i < lines.length; i += LINES_MAX) {
      const part = lines.slice(i, i + LINES_MAX);
      const first = part[0];
      let check: CheckState | null = null;
      let version = 0;
      let stale = true;
      for (const l of part) {
        version += l.version;
        stale &&= l.stale;
        if (rank(l.check) > rank(check)) check = l.check;
      }
      const key = `${group}@${first.source}${i ? `#${i / LINES_MAX + 1}` : ''}`;
      const label = groupTitle(group, first.channel, title);
      // A line on its own (a status-page row, a tooltip) reads as its tile plus its name.
      for (const l of part) if (!l.check) l.label = `${label} ${l.lineName}`;
      out.push({ ...first, key, name: group, label, version, stale, check, lines: part, lineName: '' });
    }
  }
  return out;
}
