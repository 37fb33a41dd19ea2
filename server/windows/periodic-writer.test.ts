import { describe, expect, it } from 'vitest';
import { PeriodicWriter } from './periodic-writer.js';

describe('PeriodicWriter', () => {
  it('writes one at a time, reports a failure once per outage and recovers, and writes once more on stop', async () => {
    const events: string[] = [];
    let fail = false;
    let running = 0;
    let most = 0;
    const w = new PeriodicWriter({
      interval: 5,
      write: async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        if (fail) throw new Error('disk full');
        return true;
      },
      onFail: (err) => events.push(`fail ${err.message}`),
      onRecover: () => events.push('recovered'),
    });
    await Promise.all([w.flush(), w.flush(), w.flush()]);
    expect(w.writes).toBe(1);
    fail = true;
    await w.flush();
    await w.flush();
    fail = false;
    await w.flush();
    expect(events).toEqual(['fail disk full', 'recovered']);
    w.start();
    await new Promise((r) => setTimeout(r, 40));
    await w.stop();
    const after = w.writes;
    expect(after).toBeGreaterThan(3);
    await new Promise((r) => setTimeout(r, 20));
    expect(w.writes).toBe(after);
    expect(most).toBe(1);
  });

  it('skips rounds while not ready and does not count rounds with nothing to write', async () => {
    let ready = false;
    const w = new PeriodicWriter({ interval: 1000, write: async () => false, ready: () => ready, onFail: () => {} });
    await w.flush();
    ready = true;
    await w.flush();
    expect(w.writes).toBe(0);
  });
});
