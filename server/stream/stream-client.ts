import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import type { ChannelName } from '../../shared/schema.js';
import type { StreamQuery } from '../../shared/query.js';
import type { HubEvent } from '../hub/hub.js';
import { filterKey, type SnapshotFilter } from '../windows/projection.js';
import { directSocket, type RoundBytes } from './round-frames.js';
import { releaseHead } from './sse-connection.js';

/** Live events held for a client while its snapshot or replay is written; past it the client is cut. */
export const PENDING_MAX = 10_000;

/**
 * One open stream: what it asked for, how far it has got, and its share of the
 * slow-client cap. StreamServer decides what to send; this writes it and says
 * when the client has fallen too far behind.
 */
export class StreamClient {
  readonly filter: SnapshotFilter;
  /** Clients with equal keys get the same live events, so the same bytes (`points` only shapes the snapshot). */
  readonly filterKey: string;
  /** The seq of the last event this client has (from its snapshot or replay); later ones are due. */
  upTo = 0;
  /** Live events that arrived while the snapshot or replay was being written; null once live. */
  pending: HubEvent[] | null = [];
  gone = false;
  /** better-sse has sent the headers and `retry:`; until then the response must not be ended. */
  opened = false;
  /** Set once live when rounds may go straight to the socket as chunks (see directSocket). */
  private socket: Socket | null = null;
  /**
   * Unsent bytes allowed before the cut: the cap plus whatever the catch-up (a
   * snapshot can be several MB) left unsent, back to the plain cap once drained.
   * The snapshot and replay are bounded by config, so memory stays bounded.
   */
  private limit = Infinity;
  /** Since when the socket has been waiting to drain (its buffer past the high-water mark); 0: it is not. */
  private stalledSince = 0;
  /**
   * `retry: N` without its blank line, written in front of the first event so it
   * travels in that event's block: a block of its own (no `data`) is delivered as
   * an empty message by fetch-based clients (@microsoft/fetch-event-source).
   */
  private retry: Buffer | null;

  constructor(
    readonly res: ServerResponse,
    query: StreamQuery,
    private readonly cap: number,
    retry: number | null = null,
  ) {
    this.retry = retry === null ? null : Buffer.from(`retry: ${retry}\n`);
    this.filter = {
      channels: query.channels ? new Set<string>(query.channels) : null,
      sources: query.sources ? new Set(query.sources) : null,
      points: query.history,
      span: query.span,
      tierPoints: query.points,
      compact: query.compact,
    };
    this.filterKey = filterKey(this.filter);
  }

  /** Caught up to `seq`: from now on its backlog counts against the cap. Returns the events held meanwhile. */
  goLive(seq: number): HubEvent[] {
    const held = this.pending ?? [];
    this.pending = null;
    this.upTo = seq;
    this.limit = this.cap + this.res.writableLength;
    this.socket = directSocket(this.res);
    releaseHead(this.res);
    return held;
  }

  /** Holds a live event while catching up; false when that is one too many. */
  hold(e: HubEvent): boolean {
    return !this.pending || this.pending.push(e) <= PENDING_MAX;
  }

  /**
   * Writes `bytes`; a round's bytes go straight to the socket as their HTTP
   * chunk where that is allowed. `allowance`: these bytes (a snapshot) may sit
   * unsent on top of the cap. `comment`: a heartbeat, which must not carry `retry:`
   * (a block without data). Returns false when the client is now too far
   * behind and must be cut.
   */
  write(bytes: Buffer, allowance = false, round?: RoundBytes, comment = false): boolean {
    if (this.gone) return true;
    if (this.retry && !comment) {
      this.res.write(this.retry);
      this.retry = null;
      this.res.write(bytes);
    } else if (round && this.socket) this.socket.write(round.chunk);
    else this.res.write(bytes);
    // While catching up the backlog is bounded by the snapshot or the ring; judged once live.
    if (this.pending) return true;
    const unsent = this.res.writableLength;
    if (allowance) this.limit = Math.max(this.limit, this.cap + unsent);
    if (unsent <= this.cap) this.limit = this.cap;
    return unsent <= this.limit;
  }

  /**
   * How long, ms, the socket has been waiting to drain: its buffer went past the
   * high-water mark and has not emptied since. Any drain starts the count again,
   * so a slow reader that keeps up now and then is never judged stalled.
   */
  stalledFor(now: number): number {
    const socket = this.res.socket;
    if (this.gone || !socket?.writableNeedDrain) {
      this.stalledSince = 0;
      return 0;
    }
    if (!this.stalledSince) {
      this.stalledSince = now;
      socket.once('drain', () => (this.stalledSince = 0));
    }
    return now - this.stalledSince;
  }

  /** Ends the stream: cleanly once open, else dropped (a deferred head must not meet an ended response). */
  close(clean: boolean): void {
    this.gone = true;
    if (clean && this.opened) this.res.end();
    else this.res.destroy();
  }
}
