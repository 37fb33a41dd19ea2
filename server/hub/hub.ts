import type { ChannelName, StatusEvent, TickEvent } from '../../shared/schema.js';
import type { JsonBytes } from './json-bytes.js';
import type { TickEncoder } from './tick-json.js';

interface HubEventBase {
  readonly id: string;
  /** Orders events within the hub's epoch. */
  readonly seq: number;
  /** `id:`, `event:` and `data:` lines and the blank line, as bytes. */
  readonly frame: Buffer;
}

/** A channel tick, with its SSE frame encoded once for every session. */
export interface TickHubEvent extends HubEventBase {
  readonly channel: ChannelName;
  readonly tick: TickEvent;
  /** The same tick as a CompactTick frame, for `?compact=1` clients; absent when the encoder wrote none (then `frame` serves them). */
  readonly compact?: Buffer;
}

/** Checks whose status changed (server/checks/), in the same id sequence as the ticks. */
export interface StatusHubEvent extends HubEventBase {
  readonly channel: 'status';
  readonly status: StatusEvent;
}

/** One event of a hub. */
export type HubEvent = TickHubEvent | StatusHubEvent;

/**
 * Replayed events carry their frames, channel, source and time; a replayed
 * tick's `values` may be empty (the memory hub keeps no values for replay).
 */
export type Replay =
  | { kind: 'events'; events: HubEvent[] }
  | { kind: 'reset'; reason: 'malformed' | 'epoch' | 'too-old' | 'future' | 'unavailable' };

export type HubListener = (event: HubEvent) => void;

/**
 * The hub's events start over (Redis was reset, or the hub learned its epoch at
 * start): everything derived from earlier events is void. `recent` are the newest
 * events of the new epoch, oldest first, to rebuild state from; `fromId` is the id
 * they follow, which a state holding none of them carries.
 */
export interface HubReset {
  epoch: string;
  fromId: string;
  recent: HubEvent[];
}

/**
 * Orders and fans out events. Implementations: MemoryHub (embedded default) and a
 * Redis Streams hub for several instances. Listeners are called in the order they
 * subscribed, synchronously per event.
 */
export interface Hub {
  /** Current epoch; ids of another epoch always get a reset. */
  readonly epoch: string;
  /** Id of the newest event, or `<epoch>-0` before any. */
  lastId(): string;
  publish(channel: ChannelName, tick: TickEvent): void;
  publishStatus(status: StatusEvent): void;
  subscribe(listener: HubListener): () => void;
  /** The events after `lastEventId`, oldest first, or why they cannot be had. */
  replay(lastEventId: string): Promise<Replay>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Hubs whose epoch can change while running call this before any event of the new epoch. */
  onReset?(listener: (reset: HubReset) => void): () => void;
  /**
   * How ticks are written on the stream from now on (default: whole, as JSON).
   * The encoder runs once per event, in hub order, before any listener sees it.
   */
  encodeWith?(encode: TickEncoder): void;
  /** False while the hub cannot deliver (Redis unreachable); absent means always ready. */
  ready?(): boolean;
  /**
   * Whether this instance is the one of all sharing the hub that publishes
   * derived events (check states), so they are announced once; absent means
   * always (one process). `onLead` hears when that changes.
   */
  leads?(): boolean;
  onLead?(listener: (leads: boolean) => void): void;
}

/** The frame a client gets for `e`: the compact one when it asked and there is one. */
export function frameFor(e: HubEvent, compact: boolean | undefined): Buffer {
  return compact && e.channel !== 'status' && e.compact ? e.compact : e.frame;
}

/** A tick event with its frames encoded by `encode`. */
export function tickEvent(id: string, seq: number, channel: ChannelName, tick: TickEvent, encode: TickEncoder): TickHubEvent {
  const data = encode(channel, tick);
  const event: { -readonly [K in keyof TickHubEvent]: TickHubEvent[K] } = { id, seq, channel, tick, frame: encodeFrame(id, channel, data.json) };
  if (data.compact !== undefined) event.compact = encodeFrame(id, channel, data.compact);
  return event;
}

export function encodeFrame(id: string, channel: string, data: string | JsonBytes): Buffer {
  // JSON.stringify escapes CR and LF, so data is one line (JsonBytes writes strings through it too); id and channel are validated.
  if (typeof data !== 'string') return data.framed(`id: ${id}\nevent: ${channel}\ndata: `, '\n\n');
  return Buffer.from(`id: ${id}\nevent: ${channel}\ndata: ${data}\n\n`);
}

/** Bytes of an event's frames (both, when it has a compact one). */
export function frameBytes(e: HubEvent): number {
  return e.frame.length + (e.channel !== 'status' && e.compact ? e.compact.length : 0);
}

const NO_VALUES: TickEvent['values'] = Object.freeze(Object.create(null));

/**
 * What a replay buffer keeps of an event: what a replay writes (its frames) and
 * matches on (channel and source), not a tick's values, which the listeners have
 * had and nothing reads again. Those are a Stat object per series per tick:
 * 4096 ticks of 40 series kept ~10 MB of heap alive (and for the collector to
 * walk) that no replay ever used.
 */
export function forReplay(e: HubEvent): HubEvent {
  if (e.channel === 'status') return e;
  const slim: { -readonly [K in keyof TickHubEvent]: TickHubEvent[K] } = { id: e.id, seq: e.seq, channel: e.channel, frame: e.frame, tick: { t: e.tick.t, source: e.tick.source, values: NO_VALUES } };
  if (e.compact) slim.compact = e.compact;
  return slim;
}
