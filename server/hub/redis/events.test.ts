import { describe, expect, it } from 'vitest';
import { entrySeq, formatId, parseId } from '../event-id.js';
import { compareEntryIds, decodeEntry, splitEntryId } from './events.js';

const tick = { t: 5, source: 'web-1', values: { 'host.cpu.total': { v: 1, min: 1, max: 1, avg: 1, n: 1, trend: 'stable', u: '%' } } };

describe('Redis event ids', () => {
  it('parses <epoch>-<ms>-<n> with the exact stream entry id and a seq ordered like the entries', () => {
    expect(parseId('e1-1732280000000-3')).toEqual({ epoch: 'e1', seq: entrySeq(1732280000000, 3), entry: '1732280000000-3' });
    const ids = ['1-0', '1-1', '1-1023', '2-0', '1732280000000-0', '1732280000000-7', '1732280000001-0'];
    const seqs = ids.map((id) => parseId(`e-${id}`)!.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
    for (let i = 1; i < ids.length; i++) expect(compareEntryIds(ids[i], ids[i - 1])).toBeGreaterThan(0);
  });

  it('keeps memory-hub ids <epoch>-<seq> as they were', () => {
    expect(parseId(formatId('e1', 42))).toEqual({ epoch: 'e1', seq: 42 });
  });

  it('saturates n past 1023 in one millisecond instead of overtaking the next millisecond', () => {
    expect(entrySeq(10, 5000)).toBe(entrySeq(10, 1023));
    expect(entrySeq(10, 5000)).toBeLessThan(entrySeq(11, 0));
  });

  it.each(['e1-1-2-3', 'e1--1', 'E1-1-1', 'e1-1-x', 'e1-1-1\nevent: x', `e1-${'9'.repeat(16)}-0`])('rejects %j', (bad) => {
    expect(parseId(bad)).toBeNull();
  });

  it('splits only real stream ids', () => {
    expect(splitEntryId('17-3')).toEqual([17, 3]);
    expect(splitEntryId('17')).toBeNull();
    expect(splitEntryId('a-b')).toBeNull();
  });
});

describe('decodeEntry', () => {
  it('turns an entry into an event whose id carries the epoch and whose frame is built once', () => {
    const d = decodeEntry(['1732280000000-2', ['e', 'ep1', 'c', 'host', 'd', JSON.stringify(tick)]])!;
    expect(d.epoch).toBe('ep1');
    expect(d.event!.id).toBe('ep1-1732280000000-2');
    expect(d.event!.seq).toBe(parseId('ep1-1732280000000-2')!.seq);
    expect(d.event!.frame.toString()).toBe(`id: ep1-1732280000000-2\nevent: host\ndata: ${JSON.stringify(tick)}\n\n`);
  });

  it('reads an entry with only an epoch as a marker', () => {
    expect(decodeEntry(['5-0', ['e', 'ep1']])).toEqual({ id: '5-0', epoch: 'ep1', event: null });
  });

  it('never lets an entry break the SSE framing or carry unvalidated data', () => {
    const spaced = JSON.stringify(tick).replace(',', ',\n');
    expect(decodeEntry(['5-1', ['e', 'ep1', 'c', 'host', 'd', spaced]])!.event!.frame.toString().split('\n').length).toBe(5);
    expect(decodeEntry(['5-1', ['e', 'ep1', 'c', 'nope', 'd', JSON.stringify(tick)]])!.event).toBeNull();
    expect(decodeEntry(['5-1', ['e', 'ep1', 'c', 'host', 'd', '{"t":1}']])!.event).toBeNull();
    expect(decodeEntry(['5-1', ['e', 'ep1', 'c', 'host', 'd', '{not json']])!.event).toBeNull();
    expect(decodeEntry(['5-1', ['c', 'host']])).toBeNull();
  });
});
