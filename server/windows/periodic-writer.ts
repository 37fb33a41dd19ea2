export interface PeriodicWriterOptions {
  /** How often `write` runs, ms. */
  interval: number;
  /** One write; false when there was nothing to write (it is not counted). */
  write: () => Promise<boolean>;
  /** False to skip a round (e.g. the connection is away); default: always ready. */
  ready?: () => boolean;
  /** A write failed after the last one succeeded: called once per outage, never thrown. */
  onFail: (err: Error) => void;
  /** A write succeeded after an outage. */
  onRecover?: () => void;
}

/**
 * The lifecycle the tiers' writers share (the state file, Redis): a write every
 * `interval` (the timer never holds the process open), one at a time, a failure
 * reported once per outage and retried next round, and on stop one last write
 * after the one under way.
 */
export class PeriodicWriter {
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private failing = false;
  /** Writes done (rounds with nothing to write not counted). */
  writes = 0;

  constructor(private readonly opts: PeriodicWriterOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.opts.interval);
    this.timer.unref();
  }

  /** Stops the timer and writes once more, after the write under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.writing;
    await this.flush();
  }

  /** Writes now unless a write is under way (then: that one) or not ready. */
  flush(): Promise<void> {
    if (this.writing || !(this.opts.ready?.() ?? true)) return this.writing ?? Promise.resolve();
    this.writing = this.opts
      .write()
      .then(
        (wrote) => {
          if (wrote) this.writes++;
          if (this.failing) this.opts.onRecover?.();
          this.failing = false;
        },
        (err: Error) => {
          if (!this.failing) this.opts.onFail(err);
          this.failing = true;
        },
      )
      .finally(() => (this.writing = null));
    return this.writing;
  }
}
