import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { frameFor, type HubEvent } from '../hub/hub.js';
import { eventMatches, type SnapshotFilter } from '../windows/projection.js';

/** One filter's share of a round: its frames as one Buffer, and that Buffer as one HTTP/1.1 chunk. */
export interface RoundBytes {
  /** How many events it holds. */
  readonly count: number;
  readonly frames: Buffer;
  /** `<size in hex>\r\n<frames>\r\n`: what `res.write(frames)` puts on a chunked response's socket. */
  readonly chunk: Buffer;
}

const CRLF = Buffer.from('\r\n');

/**
 * The events of one turn of the event loop, encoded once per filter: every client
 * whose filter has the same key gets the same Buffer, whatever the number of clients.
 */
export class RoundFrames {
  private readonly byKey = new Map<string, RoundBytes | null>();

  constructor(readonly events: readonly HubEvent[]) {}

  /** Null when the filter lets none of the round's events through. */
  for(key: string, filter: SnapshotFilter): RoundBytes | null {
    let out = this.byKey.get(key);
    if (out === undefined) {
      const frames = this.events.filter((e) => eventMatches(e, filter)).map((e) => frameFor(e, filter.compact));
      out = frames.length === 0 ? null : encode(frames);
      this.byKey.set(key, out);
    }
    return out;
  }
}

function encode(list: Buffer[]): RoundBytes {
  const frames = list.length === 1 ? list[0] : Buffer.concat(list);
  let chunk: Buffer | null = null;
  return {
    count: list.length,
    frames,
    // Built on first use: only clients on a plain chunked response need it.
    get chunk() {
      return (chunk ??= Buffer.concat([Buffer.from(frames.length.toString(16)), CRLF, frames, CRLF]));
    },
  };
}

/**
 * The socket a stream's frames may be written to directly, as pre-framed chunks,
 * or null to write through `res`. Going around `res.write` saves its per-call
 * work (chunk header, writev of three buffers, bookkeeping) on every client of
 * every round: that is what took Vigil's fan-out below the bare `http` floor
 * in scripts/bench-fanout.ts. It is only done where the bytes on the wire are
 * the same as through `res.write`:
 * - the response is chunked (HTTP/1.1; an HTTP/1.0 client or proxy gets `res.write`);
 * - it owns its socket (a response still queued behind a pipelined one has none yet),
 *   so everything written through `res` so far is already in the socket, in order;
 * - nothing wraps `res.write` (compression or any other middleware of a host app
 *   that mounts Vigil's router: its bytes must go through it).
 * `res.end()` still writes the last chunk through `res`, and `res.writableLength`
 * still counts what the socket holds, so the slow-client cap is unchanged.
 */
export function directSocket(res: ServerResponse): Socket | null {
  const socket = res.socket as Socket | null;
  if (!socket || !res.headersSent || !res.chunkedEncoding) return null;
  if (res.write !== ServerResponse.prototype.write) return null;
  return socket;
}
