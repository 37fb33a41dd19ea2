import { CHANNELS, type ChannelName, type CheckState, CompactTick, Snapshot, snapshotLayout, StatusEvent, type StreamSettings, StreamTick } from '../shared/schema.js';
import { backoffDelay } from './backoff.js';
import type { SeriesStore } from './series-store.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** The part of the browser's EventSource the model uses; tests pass their own. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

const OPEN = 1;
const CLOSED = 2;

export interface StreamModelOptions {
  /** Stream URL for a (re)connect; `lastEventId` is null on the first one. */
  url: (lastEventId: string | null) => string;
  createEventSource: EventSourceFactory;
  store: SeriesStore;
  clock?: Clock;
  random?: () => number;
  /** Called after anything visible changed (state, data, counters). */
  onChange?: () => void;
  /** How often the watchdog looks at the connection, ms. */
  watchdogEvery?: number;
  backoffMin?: number;
  backoffMax?: number;
  /** A connection lost for longer than this is shown as offline, ms. */
  offlineAfter?: number;
  /** Heartbeat assumed until the first snapshot tells the real one, ms. */
  defaultHeartbeat?: number;
  /** A full status event came: the server's dashboards may have changed (read api/dashboards again). */
  onFullStatus?: () => void;
}

/**
 * The connection to `api/stream` and what it has delivered. Plain TypeScript:
 * no DOM, no rendering, clock and EventSource injected.
 *
 * Self-healing contract: the browser's own EventSource retry handles plain
 * drops (it resends Last-Event-ID). The watchdog covers what it does not: an
 * EventSource that is CLOSED (a non-200 answer such as an nginx 502) or silent
 * for longer than three heartbeats (a half-open connection) is closed and a new
 * one created after a jittered, exponential backoff, passing `?lastEventId=`.
 * The backoff resets when an event arrives. Nothing pauses on focus loss.
 */
export class StreamModel {
  state: ConnectionState = 'connecting';
  lastEventId: string | null = null;
  epoch: string | null = null;
  settings: StreamSettings | null = null;
  /** Events that failed to parse, and the latest reason. */
  malformed = 0;
  lastProblem: string | null = null;
  /** Reconnects the watchdog has scheduled (the browser's own retries not counted). */
  recreated = 0;
  /** Snapshots with `reset: true` (server restarts, unreplayable gaps). */
  resets = 0;
  lastEventAt = -Infinity;
  /** Snapshots received; 0 means nothing is known yet (no "0 metrics" before the first). */
  snapshots = 0;
  /** Every check's state as the server judged it, by id; replaced by a snapshot, changed by status events. */
  readonly checks = new Map<string, CheckState>();
  /** Bumped whenever `checks` changes. */
  checksVersion = 0;

  /** Compact ticks' layouts by `channel@source` (see CompactTick); from the snapshot and ticks that list keys. */
  private readonly layouts = new Map<string, readonly string[]>();
  private es: EventSourceLike | null = null;
  private attempt = 0;
  private lostAt: number | null = null;
  private lastActivity = 0;
  private reconnectTimer: unknown = null;
  private watchdogTimer: unknown = null;
  /** When the armed watchdog looks (clock ms). */
  private watchdogAt = Infinity;
  private running = false;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly o: StreamModelOptions) {
    this.clock = o.clock ?? realClock;
    this.random = o.random ?? Math.random;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
    this.scheduleWatchdog();
  }

  /** Closes the EventSource and stops every timer. */
  stop(): void {
    this.running = false;
    this.closeSource();
    if (this.reconnectTimer !== null) this.clock.clearTimeout(this.reconnectTimer);
    if (this.watchdogTimer !== null) this.clock.clearTimeout(this.watchdogTimer);
    this.reconnectTimer = this.watchdogTimer = null;
  }

  /** Silence after which the watchdog recreates the connection, ms. */
  get silentLimit(): number {
    const hb = this.settings?.heartbeat || this.o.defaultHeartbeat || 15_000;
    return 3 * Math.max(hb, this.settings?.interval ?? 0);
  }

  private connect(): void {
    this.reconnectTimer = null;
    const es = this.o.createEventSource(this.o.url(this.lastEventId));
    this.es = es;
    this.lastActivity = this.clock.now();
    es.onopen = () => {
      if (es !== this.es) return;
      // Open is live (a quiet channel may send nothing but keep-alives for a
      // while); the backoff resets only on an event, so a server that accepts
      // and drops at once is not hammered.
      this.lastActivity = this.clock.now();
      this.lostAt = null;
      this.setState('live');
    };
    es.onerror = () => {
      if (es !== this.es) return;
      if (es.readyState === CLOSED) this.scheduleReconnect();
      else this.markLost();
    };
    es.addEventListener('snapshot', (ev) => this.onEvent(es, ev, null));
    for (const ch of CHANNELS) es.addEventListener(ch, (ev) => this.onEvent(es, ev, ch));
    es.addEventListener('status', (ev) => this.onEvent(es, ev, 'status'));
  }

  private onEvent(es: EventSourceLike, ev: MessageEvent, channel: ChannelName | 'status' | null): void {
    if (es !== this.es) return;
    const now = this.clock.now();
    this.lastActivity = this.lastEventAt = now;
    if (ev.lastEventId) this.lastEventId = ev.lastEventId;
    this.attempt = 0;
    this.lostAt = null;
    this.state = 'live';
    try {
      const json: unknown = JSON.parse(String(ev.data));
      if (channel === null) {
        const r = Snapshot.safeParse(json);
        if (!r.success) return this.reject('snapshot', r.error.issues[0]);
        if (r.data.reset) this.resets++;
        this.epoch = r.data.epoch;
        this.settings = r.data.settings;
        this.o.store.applySnapshot(r.data, now);
        this.layouts.clear();
        for (const g of r.data.groups) this.layouts.set(`${g.channel}@${g.source}`, snapshotLayout(g));
        this.snapshots++;
        this.checks.clear();
        for (const c of r.data.checks) this.checks.set(c.id, c);
        this.checksVersion++;
      } else if (channel === 'status') {
        const r = StatusEvent.safeParse(json);
        if (!r.success) return this.reject(channel, r.error.issues[0]);
        this.applyStatus(r.data);
      } else if (!this.tick(channel, json, now)) return;
    } catch (err) {
      this.reject(channel ?? 'snapshot', { message: (err as Error).message, path: [] });
      return;
    }
    this.o.onChange?.();
  }

  /**
   * A tick keyed (StreamTick) or compact (CompactTick: `values` an array), applied
   * to the store; false when it could not be read. A compact tick whose layout
   * this page does not hold cannot be read: it starts over with a fresh snapshot
   * rather than draw values under the wrong names.
   */
  private tick(channel: ChannelName, json: unknown, now: number): boolean {
    const values = (json as { values?: unknown } | null)?.values;
    if (!Array.isArray(values)) {
      const r = StreamTick.safeParse(json);
      if (!r.success) return this.reject(channel, r.error.issues[0]), false;
      // A keyed tick (a replay the server had no compact frame for) sets the layout as well.
      this.layouts.set(`${channel}@${r.data.source}`, Object.keys(r.data.values));
      this.o.store.applyTick(channel, r.data, now);
      return true;
    }
    const r = CompactTick.safeParse(json);
    if (!r.success) return this.reject(channel, r.error.issues[0]), false;
    const c = r.data;
    const group = `${channel}@${c.source}`;
    const keys = c.keys ?? this.layouts.get(group);
    if (!keys || keys.length !== c.values.length) {
      this.reject(channel, { message: `no layout for ${group}: starting over with a snapshot`, path: [] });
      this.lastEventId = null;
      this.scheduleReconnect();
      return false;
    }
    if (c.keys) this.layouts.set(group, c.keys);
    this.o.store.applyCompact(channel, c.source, c.t, keys, c.values, now);
    return true;
  }

  private applyStatus(s: StatusEvent): void {
    if (s.full) this.checks.clear();
    for (const id of s.removed) this.checks.delete(id);
    for (const c of s.checks) this.checks.set(c.id, c);
    this.checksVersion++;
    if (s.full) this.o.onFullStatus?.();
  }

  private reject(type: string, issue: { message: string; path: PropertyKey[] } | undefined): void {
    this.malformed++;
    const where = issue?.path.length ? ` at ${issue.path.map(String).join('.')}` : '';
    this.lastProblem = `malformed ${type} event${where}: ${issue?.message ?? 'invalid'}`;
    this.o.onChange?.();
  }

  private markLost(): void {
    const now = this.clock.now();
    this.lostAt ??= now;
    const next: ConnectionState =
      now - this.lostAt >= this.offlineAfter ? 'offline' : this.epoch === null ? 'connecting' : 'reconnecting';
    this.setState(next);
    // Lost, the state moves on with time (reconnecting, then offline): the watchdog looks every second again.
    if (this.running) this.scheduleWatchdog();
  }

  private setState(next: ConnectionState): void {
    if (next === this.state) return;
    this.state = next;
    this.o.onChange?.();
  }

  private get offlineAfter(): number {
    return this.o.offlineAfter ?? 20_000;
  }

  private closeSource(): void {
    if (!this.es) return;
    this.es.onopen = this.es.onerror = null;
    this.es.close();
    this.es = null;
  }

  private scheduleReconnect(): void {
    this.closeSource();
    this.markLost();
    if (!this.running || this.reconnectTimer !== null) return;
    const delay = backoffDelay(this.attempt++, this.random, this.o.backoffMin, this.o.backoffMax);
    this.recreated++;
    this.reconnectTimer = this.clock.setTimeout(() => this.connect(), delay);
  }

  /**
   * Arms the watchdog for its next look, or brings a later one forward. While
   * the connection is lost or not yet open it looks every `watchdogEvery`; while
   * events flow there is nothing to look at before the silence could pass the
   * limit, so it looks once then (and again at the new limit if an event came):
   * a healthy page runs no timer task a second for it.
   */
  private scheduleWatchdog(): void {
    const every = this.o.watchdogEvery ?? 1000;
    const now = this.clock.now();
    const es = this.es;
    const healthy = this.reconnectTimer === null && this.lostAt === null && es !== null && es.readyState === OPEN;
    const at = healthy ? Math.max(now, this.lastActivity + this.silentLimit) + every : now + every;
    if (this.watchdogTimer !== null) {
      if (at >= this.watchdogAt) return;
      this.clock.clearTimeout(this.watchdogTimer);
    }
    this.watchdogAt = at;
    this.watchdogTimer = this.clock.setTimeout(() => {
      this.watchdogTimer = null;
      if (!this.running) return;
      this.watchdog();
      this.scheduleWatchdog();
    }, at - now);
  }

  /** One look at the connection; public so tests can drive it with a fake clock. */
  watchdog(): void {
    if (this.reconnectTimer !== null) return this.markLost();
    const es = this.es;
    if (!es || es.readyState === CLOSED) return this.scheduleReconnect();
    if (this.clock.now() - this.lastActivity > this.silentLimit) return this.scheduleReconnect();
    if (this.lostAt !== null) this.markLost();
  }
}
