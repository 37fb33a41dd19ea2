import type { ChannelName, StatusEvent, TickEvent } from '../../shared/schema.js';
import { formatId, newEpoch, parseId } from './event-id.js';
import { encodeFrame, forReplay, frameBytes, tickEvent, type Hub, type HubEvent, type HubListener, type Replay } from './hub.js';
import { wholeTick, type TickEncoder } from './tick-json.js';

export interface MemoryHubOptions {
  /** Events kept for replay; at 3 channels and 1 Hz, 4096 is over 20 minutes. */
  capacity?: number;
  /**
   * Bytes of frames kept for replay at most (REPLAY_BYTES): past it the oldest
   * events go first, whatever `capacity` says. A scrape target of 1,000 series
   * writes ~65 KB a tick: 4096 of them held 200 MB (and the collector with them).
   */
  maxBytes?: number;
  epoch?: string;
}

/** The embedded hub: one process, ids `<epoch>-<seq>`, a fixed replay ring. */
export class MemoryHub implements Hub {
  readonly epoch: string;
  private readonly ring: Array<HubEvent | undefined>;
  private seq = 0;
  /** The oldest event still held (seq); events before it are gone from the ring. */
  private oldest = 1;
  /** Bytes of the frames held. */
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly listeners: HubListener[] = [];
  private encode: TickEncoder = wholeTick;

  constructor({ capacity = 4096, maxBytes = 32 << 20, epoch = newEpoch() }: MemoryHubOptions = {}) {
    this.ring = new Array(capacity);
    this.maxBytes = maxBytes;
    this.epoch = epoch;
  }

  lastId(): string {
    return formatId(this.epoch, this.seq);
  }

  publish(channel: ChannelName, tick: TickEvent): void {
    const seq = ++this.seq;
    const id = formatId(this.epoch, seq);
    this.emit(tickEvent(id, seq, channel, tick, this.encode));
  }

  publishStatus(status: StatusEvent): void {
    const seq = ++this.seq;
    const id = formatId(this.epoch, seq);
    this.emit({ id, seq, channel: 'status', status, frame: encodeFrame(id, 'status', JSON.stringify(status)) });
  }

  /** Bytes of the frames held for replay. */
  get replayBytes(): number {
    return this.bytes;
  }

  private emit(event: HubEvent): void {
    const ring = this.ring;
    // The slot's event (seq - capacity) leaves, then the oldest while over the byte budget; the newest always stays.
    while (this.oldest <= event.seq - ring.length || (this.oldest < event.seq && this.bytes + frameBytes(event) > this.maxBytes)) this.drop();
    ring[event.seq % ring.length] = forReplay(event);
    this.bytes += frameBytes(event);
    for (const l of this.listeners) l(event);
  }

  private drop(): void {
    const i = this.oldest++ % this.ring.length;
    const e = this.ring[i];
    if (e) this.bytes -= frameBytes(e);
    this.ring[i] = undefined;
  }

  encodeWith(encode: TickEncoder): void {
    this.encode = encode;
  }

  subscribe(listener: HubListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  async replay(lastEventId: string): Promise<Replay> {
    const id = parseId(lastEventId);
    if (!id) return { kind: 'reset', reason: 'malformed' };
    if (id.epoch !== this.epoch) return { kind: 'reset', reason: 'epoch' };
    if (id.seq > this.seq) return { kind: 'reset', reason: 'future' };
    if (id.seq + 1 < this.oldest) return { kind: 'reset', reason: 'too-old' };
    const events: HubEvent[] = [];
    for (let s = id.seq + 1; s <= this.seq; s++) events.push(this.ring[s % this.ring.length]!);
    return { kind: 'events', events };
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.listeners.length = 0;
  }
}
