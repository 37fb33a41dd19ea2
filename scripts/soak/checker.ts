import { parseId } from '../../server/hub/event-id.js';

/**
 * Where an event id sits in the hub's one order of events: in memory ids are
 * `<epoch>-<seq>` and seq is that position; on Redis the tap (tap.ts) numbers
 * every stream entry as it reads it. Undefined: not known (yet).
 */
export type Position = (id: string) => number | undefined;

export const memoryPosition: Position = (id) => parseId(id)?.seq;

const epochOf = (id: string) => id.slice(0, id.indexOf('-'));

/**
 * Checks that a client, between two snapshots, receives every event of the hub
 * once and in order. Clients here take every channel, so the next event after
 * `prev` must be the very next position. Pairs whose positions are not known
 * yet (the Redis tap reads a moment later than the server) wait and are
 * checked again.
 */
export class ContinuityChecker {
  lost = 0;
  duplicated = 0;
  /** Places where events were missing (each counts its events in `lost`). */
  gaps = 0;
  /** An event of another epoch with no reset snapshot before it. */
  epochJumps = 0;
  checked = 0;
  private pending: Array<[string, string]> = [];

  constructor(private readonly position: Position) {}

  get unresolved(): number {
    return this.pending.length;
  }

  /** `next` arrived right after `prev` on one connection (or across a resume with Last-Event-ID). */
  check(prev: string, next: string): void {
    if (!this.settle(prev, next)) this.pending.push([prev, next]);
  }

  /** Retries the pairs that were waiting for positions. */
  retry(): void {
    const waiting = this.pending;
    this.pending = [];
    for (const [p, n] of waiting) if (!this.settle(p, n)) this.pending.push([p, n]);
  }

  private settle(prev: string, next: string): boolean {
    if (epochOf(prev) !== epochOf(next)) {
      this.epochJumps++;
      this.lost++;
      this.checked++;
      return true;
    }
    const a = this.position(prev);
    const b = this.position(next);
    if (a === undefined || b === undefined) return false;
    this.checked++;
    if (b <= a) this.duplicated++;
    else if (b > a + 1) {
      this.gaps++;
      this.lost += b - a - 1;
    }
    return true;
  }
}
