import { describe, expect, it } from 'vitest';
import { CardinalityError, SeriesWindows } from './series-windows.js';

describe('SeriesWindows', () => {
  it('keeps one window per metric key and source', () => {
    const w = new SeriesWindows({ span: 60_000 });
    w.record('host.fs.used{mountpoint=/}', 'a', 'B', 1000, 1);
    w.record('host.fs.used{mountpoint=/var}', 'a', 'B', 1000, 2);
    const s = w.record('host.fs.used{mountpoint=/}', 'a', 'B', 2000, 3);
    expect(s).toMatchObject({ v: 3, n: 2, min: 1, max: 3 });
    expect(w.size).toBe(2);
  });

  it('caps the label sets of one name on one source, and frees a slot on delete', () => {
    const w = new SeriesWindows({}, 100, 3);
    for (const d of ['a', 'b', 'c']) w.record(`disk.io{device=${d}}`, 's', '', 1, 1);
    expect(() => w.record('disk.io{device=d}', 's', '', 1, 1)).toThrow(CardinalityError);
    expect(w.refusal('disk.io{device=d}', 's')).toMatch(/too many label sets for disk\.io on s: the cap is 3/);
    // Other sources and other names have their own count; known series are always accepted.
    w.record('disk.io{device=d}', 't', '', 1, 1);
    w.record('disk.other{device=d}', 's', '', 1, 1);
    w.record('disk.io{device=a}', 's', '', 2, 2);
    w.delete('disk.io{device=a}', 's');
    expect(w.labelSetCount('disk.io', 's')).toBe(2);
    w.record('disk.io{device=d}', 's', '', 1, 1);
  });

  it('caps the series in all', () => {
    const w = new SeriesWindows({}, 2);
    w.record('a', 's', '', 1, 1);
    w.record('b', 's', '', 1, 1);
    expect(() => w.record('c', 's', '', 1, 1)).toThrow(/the cap is 2/);
  });
});
