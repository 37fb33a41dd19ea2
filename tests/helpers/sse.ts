import { EventSource } from 'eventsource';
import { applyChange, CHANNELS, CompactTick, expandCompact, Snapshot, snapshotLayout, type Stat, StreamTick, type TickEvent } from '../../shared/schema.js';

export interface Received {
  type: string;
  id: string;
  data: string;
  at: number;
}

/**
 * A real EventSource client (the `eventsource` package, WHATWG semantics, with
 * its own reconnect and Last-Event-ID) that records every event it receives.
 */
export class SseRecorder {
  readonly events: Received[] = [];
  readonly es: EventSource;
  errors = 0;
  opens = 0;
  private waiters: Array<() => void> = [];

  /**
   * `headers` go on every request; EventSource's own headers win, so a
   * `Last-Event-ID` given here is only the first one and reconnects send the
   * id of the last event received, as a browser does.
   */
  constructor(url: string, headers: Record<string, string> = {}) {
    this.es = new EventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...headers, ...(init?.headers as Record<string, string>) } }),
    });
    for (const type of ['snapshot', 'status', ...CHANNELS]) {
      this.es.addEventListener(type, (e) => {
        this.events.push({ type, id: e.lastEventId, data: e.data, at: Date.now() });
        this.wake();
      });
    }
    this.es.addEventListener('open', () => {
      this.opens++;
      this.wake();
    });
    this.es.addEventListener('error', () => {
      this.errors++;
      this.wake();
    });
  }

  of(type: string): Received[] {
    return this.events.filter((e) => e.type === type);
  }

  /**
   * The ticks of one channel as a client holds them after each: every stat of
   * the tick whole, folded from the snapshot and the ticks before it, as the page
   * does (a tick itself carries only what changed). Each event parses with the
   * shared schemas.
   */
  ticks(type: string): TickEvent[] {
    const state = new Map<string, Stat>();
    // Compact streams (`?compact=1`): each group's layout, from the snapshot and ticks that list keys.
    const layouts = new Map<string, string[]>();
    const out: TickEvent[] = [];
    for (const e of this.events) {
      if (e.type === 'snapshot') {
        state.clear();
        layouts.clear();
        for (const g of Snapshot.parse(JSON.parse(e.data)).groups) {
          for (const k in g.values) state.set(`${g.channel}|${k}@${g.source}`, g.values[k]);
          layouts.set(`${g.channel}@${g.source}`, snapshotLayout(g));
        }
        continue;
      }
      // Only ticks carry stats: `status` (check states) and any other event are not folded.
      if (!(CHANNELS as readonly string[]).includes(e.type)) continue;
      const json = JSON.parse(e.data);
      let tick: StreamTick;
      if (Array.isArray(json.values)) {
        const c = CompactTick.parse(json);
        const group = `${e.type}@${c.source}`;
        const t = expandCompact(c, layouts.get(group));
        if (!t) throw new Error(`compact tick ${e.id} without a known layout for ${group}`);
        if (c.keys) layouts.set(group, c.keys);
        tick = t;
      } else {
        tick = StreamTick.parse(json);
        layouts.set(`${e.type}@${tick.source}`, Object.keys(tick.values));
      }
      const values: TickEvent['values'] = {};
      for (const k in tick.values) {
        const key = `${e.type}|${k}@${tick.source}`;
        state.set(key, (values[k] = applyChange(state.get(key), tick.values[k])));
      }
      if (e.type === type) out.push({ t: tick.t, source: tick.source, values });
    }
    return out;
  }

  /** Resolves once `pred` holds, checked on every event; rejects after `timeout` ms. */
  waitFor(pred: (r: this) => boolean, timeout = 10_000, what = 'condition'): Promise<void> {
    if (pred(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; got ${this.events.length} events`));
      }, timeout);
      const check = () => {
        if (!pred(this)) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  close(): void {
    this.es.close();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
