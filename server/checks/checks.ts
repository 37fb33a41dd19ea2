import type { DashboardsFile } from '../../shared/dashboards.js';
import { type CheckState, type Stat, type StatusEvent, worse, type CheckStatus } from '../../shared/schema.js';
import { DashboardMatcher, hasLevels } from '../../shared/tile-match.js';
import type { Hub, HubEvent } from '../hub/hub.js';
import { tickKeys, tickStats } from '../hub/tick-keys.js';
import { Check } from './check.js';

export interface ChecksOptions {
  hub: Hub;
  dashboards: DashboardsFile;
  now?: () => number;
  /** How often silent series are looked for (stale → unknown), ms. */
  every?: number;
  /** A series not seen for this long is forgotten, with its checks (as the projection forgets it), ms. */
  idleTtl?: number;
}

interface SeenSeries {
  key: string;
  source: string;
  stat: Stat;
  seen: number;
  checks: Check[];
}

/**
 * The checks stage: every series shown by a tile with levels, on every
 * dashboard, is a check judged on each tick that carries it and on a timer
 * (silence makes it unknown). Changes go back into the hub as one `status`
 * event per tick, in the same id sequence as the ticks, so they replay like
 * them; the projection folds them into the snapshot's `checks`.
 */
export class Checks {
  private file: DashboardsFile;
  private matchers: Array<[string, DashboardMatcher]> = [];
  private readonly series = new Map<string, SeenSeries>();
  /**
   * The same series by source, then metric key: what a tick looks up, with the
   * tick's own key strings (hashed once), not a `key@source` string made and
   * hashed per series per tick.
   */
  private readonly bySource = new Map<string, Map<string, SeenSeries>>();
  /**
   * Each source's series in the order of its last tick's keys: a source that
   * hands the same key array tick after tick (a scrape target) is read by
   * place, with no lookup per series. Dropped when one of its series is.
   */
  private readonly aligned = new Map<string, { keys: readonly string[]; series: SeenSeries[] }>();
  private unsubscribe: (() => void) | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly now: () => number;
  private leadHooked = false;

  constructor(private readonly opts: ChecksOptions) {
    this.now = opts.now ?? Date.now;
    this.file = opts.dashboards;
    this.compile();
  }

  get dashboards(): DashboardsFile {
    return this.file;
  }

  /** Subscribe after the projection and the stream, so a status event follows the tick that caused it. */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.opts.hub.subscribe((e) => this.onEvent(e));
    this.timer = setInterval(() => this.expire(), this.opts.every ?? 1000);
    this.timer.unref?.();
    if (!this.leadHooked) {
      this.leadHooked = true;
      // Taking over from another instance: announce every check, as that one's may be out of date.
      this.opts.hub.onLead?.((leads) => {
        if (leads && this.unsubscribe) this.publishFull();
      });
    }
    this.publishFull();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** New dashboards: every check is rebuilt from the series seen so far, and announced in full. */
  reload(file: DashboardsFile): void {
    this.file = file;
    this.compile();
    const now = this.now();
    for (const s of this.series.values()) {
      s.checks = this.checksFor(s.key, s.source, now);
      for (const c of s.checks) if (now - s.seen <= c.stale) c.observe(s.stat, s.seen);
    }
    if (this.unsubscribe) this.publishFull();
  }

  /** Announces every check again (after the hub's epoch changed, the projection starts empty). */
  publishFull(): void {
    this.publish({ t: this.now(), full: true, checks: this.list(), removed: [] });
  }

  /**
   * Into the hub, when this instance is the one that announces (on Redis every
   * server judges, so any can take over at once, but one announces).
   */
  private publish(status: StatusEvent): void {
    if (this.opts.hub.leads?.() === false) return;
    this.opts.hub.publishStatus(status);
  }

  /** Every check, in the order of the series first seen. */
  list(): CheckState[] {
    const out: CheckState[] = [];
    for (const s of this.series.values()) for (const c of s.checks) out.push({ ...c.state });
    return out;
  }

  /**
   * The announced states (the projection's, from `event: status`: on Redis, the
   * announcing server's) with the value this instance judged last. A state
   * changes only when a level is crossed, so its own `value` is the one that
   * crossed it; api/status and /metrics show the value now.
   */
  current(announced: readonly CheckState[]): CheckState[] {
    const now = new Map<string, number | null>();
    for (const s of this.series.values()) for (const c of s.checks) now.set(c.state.id, c.state.value);
    return announced.map((c) => (now.has(c.id) ? { ...c, value: now.get(c.id)! } : c));
  }

  /** The worst status of all checks (`ok` when there are none). */
  worst(dashboard?: string): CheckStatus {
    let w: CheckStatus = 'ok';
    for (const s of this.series.values()) for (const c of s.checks) if (!dashboard || c.state.dashboard === dashboard) w = worse(w, c.state.status);
    return w;
  }

  private compile(): void {
    this.matchers = Object.entries(this.file.dashboards).map(([name, d]) => [name, new DashboardMatcher(d)]);
  }

  private checksFor(key: string, source: string, now: number): Check[] {
    const out: Check[] = [];
    for (const [name, m] of this.matchers) {
      const place = m.place(key, source);
      if (place && hasLevels(m.tile(place))) out.push(new Check(name, place, m.tile(place), key, source, now));
    }
    return out;
  }

  private onEvent(e: HubEvent): void {
    if (e.channel === 'status') return;
    const { t, source, values } = e.tick;
    const changed: CheckState[] = [];
    let held = this.bySource.get(source);
    if (!held) this.bySource.set(source, (held = new Map()));
    const keys = tickKeys(values);
    const stats = tickStats(values);
    const at = this.aligned.get(source);
    const byPlace = at?.keys === keys ? at.series : null;
    const placed: SeenSeries[] | null = byPlace ? null : [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      let s = byPlace ? byPlace[i] : held.get(key);
      if (!s) {
        s = { key, source, stat: stats[i], seen: t, checks: this.checksFor(key, source, t) };
        this.series.set(`${key}@${source}`, s);
        held.set(key, s);
      }
      placed?.push(s);
      s.stat = stats[i];
      s.seen = t;
      for (const c of s.checks) if (c.observe(s.stat, t)) changed.push({ ...c.state });
    }
    if (placed) this.aligned.set(source, { keys, series: placed });
    if (changed.length) this.publish({ t, full: false, checks: changed, removed: [] });
  }

  /** Silent series turn their checks unknown; long-silent ones are forgotten. */
  private expire(): void {
    const now = this.now();
    const ttl = this.opts.idleTtl ?? 15 * 60_000;
    const changed: CheckState[] = [];
    const removed: string[] = [];
    for (const [id, s] of this.series) {
      if (now - s.seen > ttl) {
        for (const c of s.checks) removed.push(c.state.id);
        this.series.delete(id);
        this.aligned.delete(s.source);
        const held = this.bySource.get(s.source);
        held?.delete(s.key);
        if (held?.size === 0) this.bySource.delete(s.source);
        continue;
      }
      for (const c of s.checks) if (c.expire(s.seen, now)) changed.push({ ...c.state });
    }
    if (changed.length || removed.length) this.publish({ t: now, full: false, checks: changed, removed });
  }
}
