import { StreamTick, type TickEvent } from '../../shared/schema.js';

/**
 * An `app` tick of about `kb` KiB (ten metrics per KiB, the same names every
 * time), for tests that must push bytes: slow clients, big snapshots.
 */
export function bigTick(i: number, kb: number, t = Date.now()): TickEvent {
  const values: TickEvent['values'] = {};
  for (let m = 0; m < kb * 10; m++) values[`app.pad.m${m}`] = { v: i, min: 0, max: i, avg: i / 2, n: i, trend: 'stable', u: '' };
  return { t, source: 'test', values };
}

/** A one-metric `app` tick. */
export function smallTick(i: number, t = Date.now()): TickEvent {
  return { t, source: 'test', values: { 'app.n': { v: i, min: 0, max: i, avg: 0, n: i, trend: 'stable', u: '' } } };
}

/** The value `v` of one series in a stream tick's data (a bare number or a stat with `v`). */
export function tickV(data: string, key: string): number | undefined {
  const c = StreamTick.parse(JSON.parse(data)).values[key];
  return typeof c === 'number' ? c : c?.v;
}
