import type { HubEvent } from '../hub/hub.js';
import { RoundFrames } from './round-frames.js';

/**
 * Events published in one turn of the event loop, handed over at its end as one
 * round: a sampler round publishes every channel in one turn, so each client gets
 * one write (one chunk, one syscall) per round instead of one per event, and
 * clients with the same filter share one Buffer of the round's frames.
 */
export class RoundBatch {
  private events: HubEvent[] = [];

  constructor(private readonly onRound: (round: RoundFrames) => void) {}

  push(e: HubEvent): void {
    if (this.events.push(e) === 1) setImmediate(this.flush);
  }

  /** Hands over what is pending now (before a reset, say) rather than at the turn's end. */
  readonly flush = (): void => {
    if (this.events.length === 0) return;
    const round = new RoundFrames(this.events);
    this.events = [];
    this.onRound(round);
  };

  clear(): void {
    this.events = [];
  }
}
