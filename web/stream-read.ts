import { CHANNELS, CompactTick, Snapshot, StatusEvent, StreamTick } from '../shared/schema.js';

/**
 * One stream event read: its JSON parsed and checked against the wire contract.
 * Plain data (no class instances, no symbols), so it crosses a worker's
 * postMessage as it is: the stream worker reads events off the page's main
 * thread and the page applies what it posts (web/stream-worker.ts).
 */
export type StreamRead =
  | { kind: 'snapshot'; data: Snapshot }
  | { kind: 'status'; data: StatusEvent }
  | { kind: 'keyed'; data: StreamTick }
  | { kind: 'compact'; data: CompactTick }
  | { kind: 'bad'; message: string; path: string[] };

/** The named events a stream sends: a snapshot, a tick per channel, a status change. */
export type StreamEventType = 'snapshot' | 'status' | (typeof CHANNELS)[number];

/** Every named event the stream sends; the model (or the stream worker for it) listens to these. */
export const STREAM_EVENTS: readonly StreamEventType[] = ['snapshot', ...CHANNELS, 'status'];

function bad(issue: { message: string; path: PropertyKey[] } | undefined): StreamRead {
  return { kind: 'bad', message: issue?.message ?? 'invalid', path: (issue?.path ?? []).map(String) };
}

/** Reads one event's `data` as its type says; never throws. */
export function readStreamEvent(type: StreamEventType, text: string): StreamRead {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { kind: 'bad', message: (err as Error).message, path: [] };
  }
  if (type === 'snapshot') {
    const r = Snapshot.safeParse(json);
    return r.success ? { kind: 'snapshot', data: r.data } : bad(r.error.issues[0]);
  }
  if (type === 'status') {
    const r = StatusEvent.safeParse(json);
    return r.success ? { kind: 'status', data: r.data } : bad(r.error.issues[0]);
  }
  // A tick: compact (`values` an array, the usual) or keyed (a replay the server had no compact frame for).
  if (Array.isArray((json as { values?: unknown } | null)?.values)) {
    const r = CompactTick.safeParse(json);
    return r.success ? { kind: 'compact', data: r.data } : bad(r.error.issues[0]);
  }
  const r = StreamTick.safeParse(json);
  return r.success ? { kind: 'keyed', data: r.data } : bad(r.error.issues[0]);
}
