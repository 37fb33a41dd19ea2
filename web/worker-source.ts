import type { EventSourceFactory, EventSourceLike, StreamEventLike } from './stream-model.js';
import type { StreamEventType, StreamRead } from './stream-read.js';

/** What the stream worker posts (web/stream-worker.ts). */
export type WorkerMessage =
  | { k: 'open' }
  | { k: 'error'; readyState: number }
  | { k: 'event'; type: StreamEventType; lastEventId: string; read: StreamRead };

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/**
 * EventSources whose connection and reading run in a worker (`spawn` makes one
 * per connection), or `inThread` ones where workers cannot run: `spawn` throws
 * (no Worker, a CSP that forbids it) or a worker fails before it said
 * anything (its script did not load). From then on the page reads its stream
 * on the main thread, as before, and works the same.
 *
 * `url` is resolved against `base` (the document's), not the worker script's.
 */
export function workerEventSources(spawn: () => Worker, inThread: EventSourceFactory, base: string): EventSourceFactory {
  let workers = true;
  return (url) => {
    if (workers) {
      try {
        return new WorkerEventSource(spawn(), new URL(url, base).href, () => (workers = false));
      } catch {
        workers = false;
      }
    }
    return inThread(url);
  };
}

/** The EventSource of one worker, seen from the page: its readyState mirrored, its events already read. */
class WorkerEventSource implements EventSourceLike {
  readyState = CONNECTING;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  private readonly listeners = new Map<string, Array<(ev: StreamEventLike) => void>>();
  private worker: Worker | null;
  private heard = false;

  constructor(worker: Worker, url: string, failedToStart: () => void) {
    this.worker = worker;
    worker.onmessage = (m: MessageEvent<WorkerMessage>) => {
      if (this.worker !== worker) return;
      this.heard = true;
      const msg = m.data;
      if (msg.k === 'event') {
        for (const l of this.listeners.get(msg.type) ?? []) l(msg);
      } else if (msg.k === 'open') {
        this.readyState = OPEN;
        this.onopen?.(new Event('open'));
      } else {
        this.readyState = msg.readyState;
        this.onerror?.(new Event('error'));
      }
    };
    // The script did not load, or the worker threw: this connection is over
    // (CLOSED, so the model makes a new one after its backoff).
    const fail = (ev: Event) => {
      ev.preventDefault();
      if (this.worker !== worker) return;
      if (!this.heard) failedToStart();
      this.close();
      this.onerror?.(new Event('error'));
    };
    worker.onerror = fail;
    worker.onmessageerror = fail;
    worker.postMessage({ url });
  }

  addEventListener(type: string, listener: (ev: StreamEventLike) => void): void {
    const list = this.listeners.get(type);
    if (list) list.push(listener);
    else this.listeners.set(type, [listener]);
  }

  close(): void {
    this.readyState = CLOSED;
    this.worker?.terminate();
    this.worker = null;
  }
}
