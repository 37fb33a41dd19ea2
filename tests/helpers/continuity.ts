import { Snapshot } from '../../shared/schema.js';
import { tickV } from './ticks.js';

/** One event as a client saw it: SseRecorder's events, or frames parsed from a raw stream. */
export interface Frame {
  type: string;
  id: string;
  data: string;
}

/** The events of a raw stream's text (what EventSource would dispatch: frames with data). */
export function rawFrames(text: string): Frame[] {
  const out: Frame[] = [];
  for (const block of text.split('\n\n')) {
    const f: Frame = { type: 'message', id: '', data: '' };
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) f.type = line.slice(7);
      else if (line.startsWith('id: ')) f.id = line.slice(4);
      else if (line.startsWith('data: ')) f.data = line.slice(6);
    }
    if (f.data) out.push(f);
  }
  return out;
}

/**
 * Follows a counter metric (1, 2, 3… one per tick, as counterSource or a test's
 * publisher writes it) as a client knows it: a snapshot sets it (the value its
 * group carries), each `app` event must then be the next one. `holes` lists every
 * move other than +1 that is not a reset snapshot (a loss, or a repeat).
 */
export function continuity(frames: Frame[], metric = 'app.count'): { last: number | null; resets: number; events: number; holes: string[] } {
  const holes: string[] = [];
  let resets = 0;
  let events = 0;
  let last: number | null = null;
  for (const f of frames) {
    if (f.type === 'snapshot') {
      const snap = Snapshot.parse(JSON.parse(f.data));
      if (snap.reset) resets++;
      last = snap.groups.find((g) => g.channel === 'app')?.values[metric]?.v ?? null;
      continue;
    }
    if (f.type !== 'app') continue;
    events++;
    const v = tickV(f.data, metric);
    if (v === undefined) continue;
    if (last !== null && v !== last + 1) holes.push(`${last} → ${v} (id ${f.id})`);
    last = v;
  }
  return { last, resets, events, holes };
}
