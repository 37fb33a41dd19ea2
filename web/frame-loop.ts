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
  private ticker: ReturnType<typeof setTimeout> | null = null;
  /** The redraw period without data, ms; 0: not started. */
  private every = 0;
  /** When a request (new data) last drew a frame: redraws without data keep its phase. */
  private anchor = 0;
  /** The pending frame was asked for by the redraw timer alone. */
  private byTimer = false;
  frames = 0;

  constructor(
    private readonly draw: () => void,
    private readonly raf: (cb: FrameRequestCallback) => number = (cb) => requestAnimationFrame(cb),
    private readonly caf: (h: number) => void = (h) => cancelAnimationFrame(h),
  ) {}

  request = (): void => {
    this.byTimer = false;
    this.ask();
  };

  private ask(): void {
    if (this.pending) return;
    this.pending = true;
    this.handle = this.raf(this.run);
  }

  /**
   * Also redraw every `ms` without new data, for "updated N s ago" and
   * staleness: `ms` after the last frame new data drew (ages turn then), and
   * every `ms` after that, a little late, so that data arriving on time draws
   * the frame and the timer none (data at 1 Hz draws one frame a second, not two).
   */
  start(ms = 1000): void {
    this.every = ms;
    this.anchor = Date.now();
    this.request();
  }

  stop(): void {
    if (this.ticker) clearTimeout(this.ticker);
    this.ticker = null;
    this.every = 0;
    if (this.pending) this.caf(this.handle);
    this.pending = false;
  }

  private readonly run = (): void => {
    this.pending = false;
    this.frames++;
    const now = Date.now();
    if (!this.byTimer) this.anchor = now;
    this.byTimer = false;
    this.draw();
    this.arm(now);
  };

  /** How late after a whole period the timer redraws: data due then comes first. */
  static readonly LATE = 200;

  private arm(now: number): void {
    if (!this.every) return;
    if (this.ticker) clearTimeout(this.ticker);
    const next = this.anchor + (Math.floor((now - this.anchor) / this.every) + 1) * this.every + FrameLoop.LATE;
    this.ticker = setTimeout(() => {
      this.ticker = null;
      if (this.pending) return;
      this.byTimer = true;
      this.ask();
    }, next - now);
  }
}
