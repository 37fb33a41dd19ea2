/// <reference lib="webworker" />
/**
 * The page's stream, read off its main thread: this worker holds the
 * EventSource and parses and validates each event (JSON.parse and the zod
 * schemas), then posts what it read. The page applies it (StreamModel, through
 * web/worker-source.ts), so the main thread of a wall display pays neither the
 * network's tasks nor the parsing, nor their garbage.
 *
 * One worker per connection: the page terminates it when it closes the
 * connection, so nothing outlives a reconnect.
 */
import { readStreamEvent, STREAM_EVENTS } from './stream-read.js';
import type { WorkerMessage } from './worker-source.js';

declare const self: DedicatedWorkerGlobalScope;
const post = (m: WorkerMessage) => self.postMessage(m);

self.onmessage = (start: MessageEvent<{ url: string }>) => {
  self.onmessage = null;
  const es = new EventSource(start.data.url);
  es.onopen = () => post({ k: 'open' });
  es.onerror = () => post({ k: 'error', readyState: es.readyState });
  for (const type of STREAM_EVENTS) {
    es.addEventListener(type, (ev: MessageEvent<string>) => post({ k: 'event', type, lastEventId: ev.lastEventId, read: readStreamEvent(type, ev.data) }));
  }
};
