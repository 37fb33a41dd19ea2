/**
 * One timer for every session: `beat` runs every `every` ms so proxies keep an
 * idle stream open. `every` of 0 (or null) turns it off.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly every: number | null,
    private readonly beat: () => void,
  ) {}

  start(): void {
    if (!this.every || this.timer) return;
    this.timer = setInterval(this.beat, this.every);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
