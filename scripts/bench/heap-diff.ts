/**
 * What grew in a page's JS heap: two V8 heap snapshots (CDP
 * `HeapProfiler.takeHeapSnapshot`, which collects garbage first) reduced to
 * count and self size per kind of object, and the kinds that changed most
 * between them. A kind is the node's type, with its constructor name for
 * objects (`object Map`, `object HTMLDivElement`), its function name for
 * closures, and the type alone for strings, arrays, code and the like.
 */
import { writeFileSync } from 'node:fs';
import type { CDPSession } from 'playwright-core';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

export type HeapCensus = Map<string, { count: number; bytes: number }>;

/** Kinds named per instance (object constructor, closure name); all others are counted by type alone. */
const NAMED = new Set(['object', 'closure', 'native']);

export function census(s: Snapshot): HeapCensus {
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out: HeapCensus = new Map();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + typeAt]];
    const kind = NAMED.has(type) ? `${type} ${s.strings[s.nodes[i + nameAt]].slice(0, 60)}` : type;
    const c = out.get(kind) ?? { count: 0, bytes: 0 };
    c.count++;
    c.bytes += s.nodes[i + sizeAt];
    out.set(kind, c);
  }
  return out;
}

/** Takes a snapshot through `cdp`; with `file`, keeps its JSON there (Chromium DevTools opens it). */
export async function takeCensus(cdp: CDPSession, file?: string): Promise<HeapCensus> {
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk as never);
  try {
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false } as never);
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk as never);
  }
  const text = chunks.join('');
  if (file) writeFileSync(file, text);
  return census(JSON.parse(text) as Snapshot);
}

const signed = (n: number) => `${n >= 0 ? '+' : ''}${n}`;

/** The `top` kinds whose self size changed most from `a` to `b`, as lines of a table. */
export function diffCensus(a: HeapCensus, b: HeapCensus, top = 15): string[] {
  const kinds = new Set([...a.keys(), ...b.keys()]);
  const rows = [...kinds].map((k) => {
    const x = a.get(k) ?? { count: 0, bytes: 0 };
    const y = b.get(k) ?? { count: 0, bytes: 0 };
    return { k, dc: y.count - x.count, db: y.bytes - x.bytes, c: y.count };
  });
  rows.sort((p, q) => Math.abs(q.db) - Math.abs(p.db));
  const sum = (c: HeapCensus) => [...c.values()].reduce((n, v) => n + v.bytes, 0);
  return [
    `heap snapshots: ${(sum(a) / 1048576).toFixed(2)} MB -> ${(sum(b) / 1048576).toFixed(2)} MB of self size; the kinds that changed most:`,
    `${'kind'.padEnd(64)}${'count'.padStart(9)}${'Δcount'.padStart(9)}${'Δbytes'.padStart(11)}`,
    ...rows.slice(0, top).map((r) => `${r.k.padEnd(64)}${String(r.c).padStart(9)}${signed(r.dc).padStart(9)}${signed(r.db).padStart(11)}`),
  ];
}
