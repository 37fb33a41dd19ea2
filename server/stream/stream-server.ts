import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { createSession } from 'better-sse';
import type { StreamSettings } from '../../shared/schema.js';
import { StreamQuery } from '../../shared/query.js';
import { parseId } from '../hub/event-id.js';
import { parseOr400 } from '../http/http-error.js';
import { frameFor, type Hub, type HubEvent } from '../hub/hub.js';
import { eventMatches, type Projection } from '../windows/projection.js';
import type { StreamCounters } from '../sources/process.js';
import { SnapshotCache } from './snapshot-cache.js';
import { OpeningConnection } from './sse-connection.js';
import type { RoundFrames, RoundBytes } from './round-frames.js';
import { Heartbeat } from './heartbeat.js';
import { RoundBatch } from './round-batch.js';
import { StreamClient } from './stream-client.js';

export interface StreamOptions {
  settings: StreamSettings;
  /** Reconnect delay suggested in `retry:`; each client gets ±25% jitter so a restart is not a stampede. */
  retry: number;
  maxClients: number;
  /** Unsent bytes past which a client is cut off (it reconnects and catches up by Last-Event-ID). */
  clientBuffer: number;
  /**
   * A client whose socket has not drained for this long, ms, is cut off too: a
   * stalled reader's bytes pile up in the kernel's send queue (MBs) before any
   * count in `clientBuffer`. 0: off.
   */
  clientStall?: number;
  now?: () => number;
}

/**
 * A comment line without the blank line that would end a block: proxies see bytes,
 * and no client sees a message. With the blank line, fetch-based clients
 * (@microsoft/fetch-event-source) deliver every heartbeat as an empty message; a
 * comment line inside the next event's block is ignored by every parser.
 */
const KEEP_ALIVE = Buffer.from(': keep-alive\n');

/**
 * The SSE endpoint. better-sse opens each session (headers, disconnect);
 * this class writes every frame itself: an event's bytes are encoded once by the
 * hub and the same Buffer goes to every socket, and `res.writableLength` is
 * watched for the slow-client cap (better-sse ignores write's return value).
 * One heartbeat timer serves all sessions.
 */
export class StreamServer implements StreamCounters {
  private readonly clientSet = new Set<StreamClient>();
  private compactCount = 0;
  private unsubscribe: (() => void) | null = null;
  private readonly heartbeat: Heartbeat;
  /** One timer for every client: cuts those stalled past `clientStall`. */
  private readonly stallCheck: Heartbeat;
  private readonly batch = new RoundBatch((round) => this.writeRound(round));
  private closing = false;
  eventsSent = 0;
  bytesSent = 0;
  slowDisconnects = 0;
  rejected = 0;

  private readonly snapshots: SnapshotCache;

  constructor(
    private readonly hub: Hub,
    private readonly projection: Projection,
    private readonly opts: StreamOptions,
  ) {
    this.snapshots = new SnapshotCache(projection, opts.settings);
    this.heartbeat = new Heartbeat(opts.settings.heartbeat, () => {
      for (const c of this.clientSet) if (!c.pending) this.write(c, KEEP_ALIVE, false, undefined, true);
    });
    const stall = opts.clientStall ?? 0;
    this.stallCheck = new Heartbeat(stall ? Math.max(50, Math.min(1000, stall / 4)) : null, () => {
      const now = Date.now();
      for (const c of this.clientSet) if (c.stalledFor(now) > stall) this.cut(c);
    });
  }

  get clients(): number {
    return this.clientSet.size;
  }

  /**
   * Clients that asked for compact ticks: while there are none, ticks are
   * written keyed only (compact frames are not needed, and a compact client
   * that resumes past such events gets them keyed, which it reads as well).
   */
  get compactClients(): number {
    return this.compactCount;
  }

  start(): void {
    this.closing = false;
    this.unsubscribe ??= this.hub.subscribe((e) => this.batch.push(e));
    this.heartbeat.start();
    this.stallCheck.start();
  }

  /** Ends every stream cleanly; clients reconnect to whatever serves next. */
  stop(): void {
    this.closing = true;
    this.batch.clear();
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.heartbeat.stop();
    this.stallCheck.stop();
    // A session that has not sent its headers yet (better-sse defers them to
    // setImmediate) must not be ended: its deferred writeHead would then throw
    // outside any handler. Dropped instead, its client simply retries.
    for (const c of this.clientSet) c.close(true);
    this.clientSet.clear();
    this.compactCount = 0;
  }

  handle = async (req: Request, res: Response): Promise<void> => {
    const query = parseOr400(StreamQuery, req.query, 'query');
    // Shutting down (a request on a kept-alive connection): no answer at all, which
    // EventSource retries like a network error, where a 503 would end it for good.
    if (this.closing) {
      res.destroy();
      return;
    }
    // Pipelined behind another response on its connection (which, if a stream, never
    // ends): not a client until its turn comes, and forgotten if the socket closes first.
    if (!res.socket && !(await socketTurn(req, res))) return;
    if (this.closing) {
      res.destroy();
      return;
    }
    // Answered here, not thrown: expected load shedding, with a message the client
    // may see, not an internal error for the error handler to hide and log.
    if (this.clientSet.size >= this.opts.maxClients) {
      this.rejected++;
      res.status(503).set('Retry-After', '5').json({ error: `too many clients (the cap is ${this.opts.maxClients}); retry later` });
      return;
    }
    await this.open(req, res, query);
  };

  /** A new stream would be served now: not shutting down, and under the client cap. */
  get accepting(): boolean {
    return !this.closing && this.clientSet.size < this.opts.maxClients;
  }

  /**
   * Opens a stream on a request that has its connection to itself, when
   * `accepting` (the caller has checked, in this same turn): plain node:http
   * types, so the stream's route can run before Express (server/http/stream-first.ts).
   */
  open = async (req: IncomingMessage, res: ServerResponse, query: StreamQuery): Promise<void> => {
    const given = req.headers['last-event-id'];
    const lastEventId = (typeof given === 'string' && given) || query.lastEventId;
    const jitter = 0.75 + Math.random() * 0.5;
    const client = new StreamClient(res, query, this.opts.clientBuffer, Math.round(this.opts.retry * jitter));
    this.clientSet.add(client);
    if (client.filter.compact) this.compactCount++;
    // on, not once: 'close' comes once, and once's wrapper is one more object per client.
    res.on('close', () => {
      client.gone = true;
      if (this.clientSet.delete(client) && client.filter.compact) this.compactCount--;
    });
    // Set on res (not only passed to better-sse) so middleware such as request metrics can see it.
    res.setHeader('Content-Type', 'text/event-stream');
    // retry: null: the client writes `retry:` in the first event's block, not in one of its own.
    await createSession(new OpeningConnection(req, res), { keepAlive: null, retry: null, trustClientEventId: false });
    client.opened = true;
    // The routers' `next` chain (their closures and saved state, 2.2 KB in heap snapshots) stays
    // reachable from req.next for as long as the stream lasts, and a stream never
    // calls it: let it go.
    if ('next' in req) (req as { next?: unknown }).next = undefined;
    if (!this.clientSet.has(client)) return;
    const after = await this.catchUp(client, lastEventId);
    if (client.gone) return;
    // Events published while the replay was read are both in it and held.
    for (const e of client.goLive(after)) if (e.seq > after) this.deliver(client, e);
  };

  /** Writes the replay or a snapshot; returns the seq the client is now up to. */
  private async catchUp(client: StreamClient, lastEventId: string | undefined): Promise<number> {
    if (lastEventId) {
      const r = await this.hub.replay(lastEventId);
      if (r.kind === 'events') {
        let seq = parseId(lastEventId)!.seq;
        for (const e of r.events) {
          if (eventMatches(e, client.filter)) this.deliver(client, e);
          seq = e.seq;
        }
        return seq;
      }
    }
    return this.sendSnapshot(client, Boolean(lastEventId));
  }

  /** Returns the seq the snapshot stands for. Its size never counts against the cap. */
  private sendSnapshot(c: StreamClient, reset: boolean): number {
    const { id, bytes } = this.snapshots.frame(c.filter, reset, this.hub.epoch, (this.opts.now ?? Date.now)());
    this.write(c, bytes, true);
    return parseId(id)?.seq ?? 0;
  }

  /**
   * The hub's epoch changed under live clients (Redis was reset): each gets a
   * reset snapshot of the new epoch in-band, on the same connection, so no old id
   * is ever compared with a new one. A client still catching up is ended instead;
   * it reconnects and is answered in the new epoch.
   */
  resetAll(): void {
    // What was published before the reset goes out first, in the old epoch.
    this.batch.flush();
    for (const c of [...this.clientSet]) {
      if (c.pending) {
        this.clientSet.delete(c);
        c.close(false);
      } else c.upTo = this.sendSnapshot(c, true);
    }
  }

  private writeRound(round: RoundFrames): void {
    const first = round.events[0].seq;
    for (const c of this.clientSet) {
      if (c.pending) {
        for (const e of round.events) if (eventMatches(e, c.filter) && !c.hold(e)) this.cut(c);
      } else if (c.upTo >= first) {
        // Caught up in this same turn: its snapshot or replay already has some of these.
        for (const e of round.events) if (e.seq > c.upTo && eventMatches(e, c.filter)) this.deliver(c, e);
      } else {
        const out = round.for(c.filterKey, c.filter);
        if (!out) continue;
        this.eventsSent += out.count;
        this.write(c, out.frames, false, out);
      }
    }
  }

  private deliver(c: StreamClient, e: HubEvent): void {
    this.eventsSent++;
    this.write(c, frameFor(e, c.filter.compact));
  }

  /** `round`: bytes of a round, which carry their chunk framing for a direct socket write. */
  private write(c: StreamClient, bytes: Buffer, allowance = false, round?: RoundBytes, comment = false): void {
    if (c.gone) return;
    this.bytesSent += bytes.length;
    if (!c.write(bytes, allowance, round, comment)) this.cut(c);
  }

  /** A client too slow to keep up: drop it and its buffer now, before it costs memory. */
  private cut(c: StreamClient): void {
    if (c.gone) return;
    this.slowDisconnects++;
    this.clientSet.delete(c);
    c.close(false);
  }

}

/**
 * Resolves true once `res` has the connection to itself (the responses before it
 * on a kept-alive connection are done), false if the connection closes first:
 * Node then destroys every request still queued on it, but never emits 'close'
 * on their responses.
 */
function socketTurn(req: Request, res: Response): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('socket', onSocket);
      req.off('close', onClose);
      resolve(ok);
    };
    const onSocket = () => done(true);
    const onClose = () => done(false);
    res.once('socket', onSocket);
    req.once('close', onClose);
  });
}
