/**
 * Runs `draw` at most once per animation frame, and only when something asked
 * for it. All DOM and uPlot work of the page happens inside `draw`, so every
 * sparkline's `setData` lands in one frame. A hidden tab gets no animation
 * frames, so it does no rendering work; the stream and the buffers keep going
 * (they never wait for a frame), and the first frame after the tab shows again
 * draws the current state.
 */
export class FrameLoop {
  private pending = false;
  private handle = 0;
  private ticker: ReturnType<typeof setInterval> | null = null;
  frames = 0;
  private lastFrameAt = 0;

  constructor(
    private readonly draw: () => void,
    private readonly raf: (cb: FrameRequestCallback) => number = (cb) => requestAnimationFrame(cb),
    private readonly caf: (h: number) => void = (h) => cancelAnimationFrame(h),
  ) {}

  request = (): void => {
    if (this.pending) return;
    this.pending = true;
    this.handle = this.raf(this.run);
  };

  /**
   * Also redraw every `ms` without new data, for "updated N s ago" and
   * staleness; skipped when a frame ran less than `ms` ago anyway (data at
   * 1 Hz or faster already redraws every second).
   */
  start(ms = 1000): void {
    this.ticker ??= setInterval(() => {
      if (Date.now() - this.lastFrameAt >= ms - 50) this.request();
    }, ms);
    this.request();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    if (this.pending) this.caf(this.handle);
    this.pending = false;
  }

  private readonly run = (): void => {
    this.pending = false;
    this.frames++;
    this.lastFrameAt = Date.now();
    this.draw();
  };
}
