import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startVigil } from './helpers/server.js';
import { readStreamEvent } from '../web/stream-read.js';

// What the stream worker posts crosses postMessage (the structured clone algorithm): it must be plain data, unchanged by the copy.
describe('readStreamEvent', () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startVigil();
  });
  afterAll(() => srv?.stop());

  it("reads a real server's snapshot, and ticks of both forms, into data a structured clone leaves unchanged", async () => {
    await new Promise((r) => setTimeout(r, 350));
    const snapshot = readStreamEvent('snapshot', await (await fetch(`${srv.url}/api/snapshot`)).text());
    expect(snapshot.kind).toBe('snapshot');
    if (snapshot.kind !== 'snapshot') return;
    expect(snapshot.data.groups.length).toBeGreaterThan(0);
    const reads = [
      snapshot,
      readStreamEvent('host', JSON.stringify({ t: 1.7e12, source: 'a', keys: ['x', 'y'], values: [1.5, { v: 2, l: 1, h: 3, a: 2, d: -1 }] })),
      readStreamEvent('app', JSON.stringify({ t: 1.7e12, source: 'a', values: { 'app.x': { v: 1 } } })),
      readStreamEvent('status', JSON.stringify({ t: 1.7e12, full: true, checks: [], removed: ['gone'] })),
    ];
    expect(reads.map((r) => r.kind)).toEqual(['snapshot', 'compact', 'keyed', 'status']);
    for (const r of reads) expect(structuredClone(r)).toStrictEqual(r);
  });

  it('names the field and what was expected, and never throws', () => {
    expect(readStreamEvent('app', 'not json')).toMatchObject({ kind: 'bad', path: [] });
    const r = readStreamEvent('host', JSON.stringify({ t: 'soon', source: 'x', values: [] }));
    expect(r).toMatchObject({ kind: 'bad', path: ['t'] });
    expect(structuredClone(r)).toStrictEqual(r);
    expect(readStreamEvent('status', 'null').kind).toBe('bad');
    expect(readStreamEvent('snapshot', '{"__proto__": {"reset": false}}').kind).toBe('bad');
  });
});
