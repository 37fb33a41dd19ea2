import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameLoop } from './frame-loop.js';

/** Animation frames that only come when the test grants them (a hidden tab grants none). */
function frames() {
  let queue: FrameRequestCallback[] = [];
  return {
    raf: (cb: FrameRequestCallback) => (queue.push(cb), queue.length),
    caf: () => void (queue = []),
    grant() {
      const q = queue;
      queue = [];
      for (const cb of q) cb(0);
    },
    get waiting() {
      return queue.length;
    },
  };
}

describe('FrameLoop', () => {
  it('coalesces any number of requests into one draw per frame', () => {
    const f = frames();
    let draws = 0;
    const loop = new FrameLoop(() => draws++, f.raf, f.caf);
    for (let i = 0; i < 50; i++) loop.request();
    expect(f.waiting).toBe(1);
    f.grant();
    expect(draws).toBe(1);
    loop.request();
    f.grant();
    expect(draws).toBe(2);
  });

  it('draws nothing while no frame comes (hidden tab), then once with the latest state', () => {
    const f = frames();
    let state = 0;
    const seen: number[] = [];
    const loop = new FrameLoop(() => seen.push(state), f.raf, f.caf);
    for (state = 1; state <= 100; state++) loop.request(); // data keeps arriving
    expect(seen).toEqual([]);
    f.grant(); // the tab shows again
    expect(seen).toEqual([101]);
  });

  it('cancels a pending frame on stop()', () => {
    const f = frames();
    let draws = 0;
    const loop = new FrameLoop(() => draws++, f.raf, f.caf);
    loop.request();
    loop.stop();
    f.grant();
    expect(draws).toBe(0);
  });
});

describe('FrameLoop redraws without data', () => {
  afterEach(() => vi.useRealTimers());

  it('draws once a second, in the data phase, when no data comes', () => {
    vi.useFakeTimers();
    const f = frames();
    const at: number[] = [];
    const t0 = Date.now();
    const loop = new FrameLoop(() => at.push(Date.now() - t0), f.raf, f.caf);
    loop.start(1000);
    f.grant();
    for (let i = 0; i < 50; i++) {
      vi.advanceTimersByTime(100);
      f.grant();
    }
    // The first frame at 0, then a period and the timer's lateness after each (ages turn once a period).
    expect(at).toEqual([0, 1200, 2200, 3200, 4200]);
    loop.stop();
  });

  it('draws one frame per tick when data comes every period, none of its own', () => {
    vi.useFakeTimers();
    const f = frames();
    let draws = 0;
    const loop = new FrameLoop(() => draws++, f.raf, f.caf);
    loop.start(1000);
    f.grant();
    for (let tick = 1; tick <= 20; tick++) {
      // Ticks a little late or early, never by the timer's lateness.
      vi.advanceTimersByTime(tick % 2 ? 1090 : 910);
      loop.request();
      f.grant();
    }
    expect(draws).toBe(21);
    loop.stop();
  });
});
