import { ChannelName, StatusEvent, TickEvent } from '../../../shared/schema.js';
import { entrySeq } from '../event-id.js';
import { encodeFrame, tickEvent, type HubEvent } from '../hub.js';
import { wholeTick, type TickEncoder } from '../tick-json.js';

/*
 * How hub events live in the Redis stream. Every entry carries the epoch it was
 * written in (`e`); an event entry also has its channel (`c`) and the tick as
 * JSON (`d`). An entry with only `e` is an epoch marker: the first entry of every
 * epoch, which readers skip but whose id is where the epoch's events start.
 */

/** A raw entry as ioredis returns it: the id and the flat field/value list. */
export type RawEntry = [id: string, fields: string[]];

export interface DecodedEntry {
  id: string;
  epoch: string;
  /** Null for an epoch marker, or an entry that does not parse (from a newer or broken writer). */
  event: HubEvent | null;
}

const ENTRY_ID = /^(\d{1,15})-(\d{1,15})$/;

/** [ms, n] of a stream id, or null when it is not one. */
export function splitEntryId(id: string): [number, number] | null {
  const m = ENTRY_ID.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Orders two stream ids: negative, zero or positive like a comparator. */
export function compareEntryIds(a: string, b: string): number {
  const x = splitEntryId(a) ?? [0, 0];
  const y = splitEntryId(b) ?? [0, 0];
  return x[0] - y[0] || x[1] - y[1];
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/**
 * Turns an entry into a hub event of id `<epoch>-<entry id>`. The tick is parsed
 * (the stream is outside data: any agent may have written it) and serialised
 * again, so the frame is one line whatever bytes the entry held; by `encode`
 * when given (the reader's live path), else whole.
 */
export function decodeEntry([id, fields]: RawEntry, encode?: TickEncoder): DecodedEntry | null {
  const epoch = field(fields, 'e');
  const parts = splitEntryId(id);
  if (!epoch || !parts) return null;
  const c = field(fields, 'c');
  const d = field(fields, 'd');
  if (c === undefined || d === undefined) return { id, epoch, event: null };
  let json: unknown;
  try {
    json = JSON.parse(d);
  } catch {
    return { id, epoch, event: null };
  }
  const eventId = `${epoch}-${id}`;
  const seq = entrySeq(parts[0], parts[1]);
  if (c === 'status') {
    const status = StatusEvent.safeParse(json);
    if (!status.success) return { id, epoch, event: null };
    return { id, epoch, event: { id: eventId, seq, channel: 'status', status: status.data, frame: encodeFrame(eventId, 'status', JSON.stringify(status.data)) } };
  }
  const channel = ChannelName.safeParse(c);
  const tick = TickEvent.safeParse(json);
  if (!channel.success || !tick.success) return { id, epoch, event: null };
  return { id, epoch, event: tickEvent(eventId, seq, channel.data, tick.data, encode ?? wholeTick) };
}
