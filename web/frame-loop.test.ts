import { describe, expect, it } from 'vitest';
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
