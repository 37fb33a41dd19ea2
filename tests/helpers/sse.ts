import { EventSource } from 'eventsource';
import { CHANNELS } from '../../shared/schema.js';

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
