import { z } from 'zod';
import { ChannelName, SourceName } from '../../shared/schema.js';
import { MetricKey } from '../../shared/series.js';
import { COUNT_MAX, type TierRing } from './tier.js';
import { TierFileError } from './tier-file.js';
import { newRecord } from './tier-log.js';
import type { GroupTiers, TierStore } from './tier-store.js';

/*
 * One log record (tier-log.ts): what changed in the store since the last write.
 * Its JSON names the groups forgotten since (`drop`) and, for each group that
 * changed, its newest tick (`through`), its series (`keys`, or null when they
 * are the same as at its last record or state file), each tier's newest and
 * first bucket, `from`, the first bucket of each tier the record carries, and
 * `reset` (the group is new or started over: its tiers are rebuilt from the
 * record alone). Its data is, for each changed group, each series' newest tick
 * (f64 × series), then for each tier, each series, each bucket from `from` to
 * `newest`: min, max, sum, last, count (five f64; count 0: no value).
 * (The keys are left out when unchanged because their JSON was most of a
 * record's main-thread time.)
 *
 * Ticks of a group only move forward in time, so a write carries the buckets
 * from the newest one at the last write (then open, maybe filled since) to the
 * newest now: one or two per tier and series at a 10 s interval.
 */

/** Where a group stood at the last write. */
interface Mark {
  through: number;
  keys: string[];
  rings: readonly TierRing[];
  newest: number[];
}
export type Marks = Map<GroupTiers, Mark>;

const VALUES = 5;
const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);
const gkey = (g: GroupTiers) => `${g.channel}@${g.source}`;
const markOf = (g: GroupTiers, keys = [...g.updated.keys()]): Mark => ({ through: g.through, keys, rings: [...g.rings], newest: g.rings.map((r) => r.newest) });
const sameKeys = (a: string[], b: string[]) => a.length === b.length && a.every((k, i) => k === b[i]);

/** Each group's series in the order a writer laid them out (a state file's footer, the last record with keys). */
export type WriterKeys = Map<string, string[]>;

/**
 * Every group as it stands (after a state file is written or read). `keys`: the
 * series as a reader of the log knows them, when they may differ from the store's
 * (a store that holds fewer series than the writer before it): a group whose
 * series differ then names them in its next record.
 */
export function markAll(store: TierStore, keys?: WriterKeys): Marks {
  const marks: Marks = new Map();
  for (const g of store.groups.values()) marks.set(g, markOf(g, keys?.get(gkey(g)) ?? [...g.updated.keys()]));
  return marks;
}

const Bucket = z.number().int().nullable();
const Delta = z.object({
  written: z.number(),
  drop: z.array(z.string()),
  groups: z.array(
    z.object({
      channel: ChannelName,
      source: SourceName,
      through: z.number().nullable(),
      reset: z.boolean(),
      keys: z.array(MetricKey).nullable(),
      rings: z.array(z.object({ newest: Bucket, first: Bucket, from: Bucket })),
    }),
  ),
});
type DeltaGroup = z.infer<typeof Delta>['groups'][number];

/** The record of what changed since `marks` and the marks after it; null when nothing did. */
export function encodeDelta(store: TierStore, marks: Marks, written: number): { record: Buffer; marks: Marks } | null {
  const next: Marks = new Map();
  const drop = [...marks.keys()].filter((g) => store.groups.get(gkey(g)) !== g).map(gkey);
  const changed: [GroupTiers, string[], DeltaGroup][] = [];
  let doubles = 0;
  for (const g of store.groups.values()) {
    const m = marks.get(g);
    const reset = !m || m.rings.some((r, i) => r !== g.rings[i]);
    // Ticks move `through`; a sweep changes the series without a tick.
    if (!reset && m.through === g.through && m.keys.length === g.updated.size) {
      next.set(g, m);
      continue;
    }
    const keys = [...g.updated.keys()];
    next.set(g, markOf(g, keys));
    doubles += keys.length;
    const rings = g.rings.map((r, i) => {
      if (r.newest === -Infinity) return { newest: null, first: fin(r.first), from: null };
      const from = reset ? r.oldest : Math.max(r.oldest, m!.newest[i]);
      doubles += (r.newest - from + 1) * keys.length * VALUES;
      return { newest: r.newest, first: fin(r.first), from };
    });
    changed.push([g, keys, { channel: g.channel, source: g.source, through: fin(g.through), reset, keys: !reset && sameKeys(m!.keys, keys) ? null : keys, rings }]);
  }
  if (!changed.length && !drop.length) return null;
  const rec = newRecord(JSON.stringify({ written, drop, groups: changed.map(([, , d]) => d) }), doubles);
  let at = 0;
  for (const [g, keys, d] of changed) at = encodeGroup(g, keys, d, rec.data, at);
  return { record: rec.seal(), marks: next };
}

function encodeGroup(g: GroupTiers, keys: string[], d: DeltaGroup, data: Float64Array, at: number): number {
  for (const key of keys) data[at++] = g.updated.get(key)!;
  g.rings.forEach((r, i) => {
    const { from, newest } = d.rings[i];
    if (from === null || newest === null) return;
    const cap = r.spec.capacity;
    for (const key of keys) {
      const s = r.series.get(key);
      for (let b = from; b <= newest; b++, at += VALUES) {
        const slot = b % cap;
        if (!s || r.slots[slot] !== b || s.count[slot] === 0) continue;
        data[at] = s.min[slot];
        data[at + 1] = s.max[slot];
        data[at + 2] = s.sum[slot];
        data[at + 3] = s.last[slot];
        data[at + 4] = s.count[slot];
      }
    }
  });
  return at;
}

/**
 * Applies one record to the store; throws TierFileError, having changed nothing,
 * when it cannot be used. `keys`: each group's series as the writer laid them out
 * (from the state file, then kept up to date here).
 */
export function applyDelta(store: TierStore, json: unknown, data: Float64Array, keys: WriterKeys): void {
  const parsed = Delta.safeParse(json);
  if (!parsed.success) throw new TierFileError('corrupt', `unreadable record: ${parsed.error.message.slice(0, 200)}`);
  const delta = parsed.data;
  const lists = delta.groups.map((d) => d.keys ?? (delta.drop.includes(`${d.channel}@${d.source}`) ? undefined : keys.get(`${d.channel}@${d.source}`)));
  let at = 0;
  delta.groups.forEach((d, i) => (at = checkGroup(store, delta.drop, d, lists[i], data, at)));
  if (at !== data.length) throw new TierFileError('corrupt', `record holds ${data.length} values, its groups ${at}`);
  for (const k of delta.drop) {
    store.forgetGroup(k);
    keys.delete(k);
  }
  at = 0;
  delta.groups.forEach((d, i) => {
    keys.set(`${d.channel}@${d.source}`, lists[i]!);
    at = applyGroup(store, d, lists[i]!, data, at);
  });
  store.version++;
}

/** Checks one group of a record against the store as it stands; returns where its data ends. */
function checkGroup(store: TierStore, drop: string[], d: DeltaGroup, list: string[] | undefined, data: Float64Array, at: number): number {
  const where = `${d.channel}@${d.source}`;
  if (d.rings.length !== store.specs.length) throw new TierFileError('corrupt', `${where}: ${d.rings.length} tiers, this Vigil has ${store.specs.length}`);
  const g = drop.includes(where) ? undefined : store.group(d.channel, d.source);
  if (!d.reset && !g) throw new TierFileError('corrupt', `${where}: continues a group the state does not hold`);
  if (!list) throw new TierFileError('corrupt', `${where}: no series named, and none known for it`);
  for (const end = at + list.length; at < end; at++) if (Number.isNaN(data[at])) throw new TierFileError('corrupt', `${where}: a series' newest tick is NaN`);
  d.rings.forEach(({ newest, from }, i) => {
    if (newest === null || from === null) return;
    const cap = store.specs[i].capacity;
    const before = d.reset ? -Infinity : g!.rings[i].newest;
    if (from > newest || from <= newest - cap || newest < before || (before !== -Infinity && from > before && from !== newest - cap + 1)) {
      throw new TierFileError('corrupt', `${where}: buckets ${from}..${newest} of ${store.specs[i].name} do not follow ${before}`);
    }
    const end = at + (newest - from + 1) * list.length * VALUES;
    if (end > data.length) throw new TierFileError('corrupt', `${where}: record shorter than its groups`);
    for (; at < end; at += VALUES) {
      const n = data[at + 4];
      if (n === 0) continue;
      if (!(Number.isInteger(n) && n > 0 && n <= COUNT_MAX && data[at] <= data[at + 1] && Number.isFinite(data[at + 2]) && Number.isFinite(data[at + 3]))) {
        throw new TierFileError('corrupt', `${where}: a bad bucket in ${store.specs[i].name}`);
      }
    }
  });
  return at;
}

function applyGroup(store: TierStore, d: DeltaGroup, list: string[], data: Float64Array, at: number): number {
  let g = store.group(d.channel, d.source);
  if (g && d.reset) g.restart(store.specs);
  g ??= store.groupOf(d.channel, d.source);
  g.through = d.through ?? -Infinity;
  if (d.keys) {
    const keep = new Set(d.keys);
    for (const k of [...g.updated.keys()]) if (!keep.has(k)) store.forget(g, k);
  }
  // A series past maxSeries is not held; its values are passed over.
  const held = list.map((k, j) => store.adopt(g, k, data[at + j]) && (g.updated.set(k, data[at + j]), true));
  at += list.length;
  g.rings.forEach((r, i) => {
    const { newest, first, from } = d.rings[i];
    if (newest === null || from === null) return;
    const cap = r.spec.capacity;
    // Open the buckets up to the newest as the writer's ring did (clearing reused slots), then take the record's.
    if (r.newest !== -Infinity) r.slotFor(newest * r.spec.step);
    for (let b = from; b <= newest; b++) r.slots[b % cap] = b;
    r.newest = newest;
    r.first = first ?? Infinity;
    list.forEach((key, j) => {
      if (!held[j]) return void (at += (newest - from + 1) * VALUES);
      for (let b = from; b <= newest; b++, at += VALUES) {
        const slot = b % cap;
        if (data[at + 4] === 0) {
          r.series.get(key)?.clear(slot);
          continue;
        }
        const s = r.bucketsOf(key);
        s.min[slot] = data[at];
        s.max[slot] = data[at + 1];
        s.sum[slot] = data[at + 2];
        s.last[slot] = data[at + 3];
        s.count[slot] = data[at + 4];
      }
    });
  });
  return at;
}
