import { z } from 'zod';
import { ChannelName, SourceName } from '../../shared/schema.js';
import { MetricKey } from '../../shared/series.js';
import { blockBytes, type TierSpec } from './tier.js';
import type { GroupTiers, TierStore } from './tier-store.js';

/*
 * The tiers' state file (docs/persistence.md), the base that the log
 * (tier-log.ts) continues:
 *
 *   "VIGILTRS"  u32 version  u32 0         16 bytes of head
 *   group blocks, one after the other      binary, 8-byte aligned
 *   footer JSON, padded with spaces to 8   what the blocks hold
 *   u32 footer length  u32 version  "VIGILEND"
 *
 * A group block is, for each tier in the footer's order: the bucket number of
 * each slot (f64 × capacity, NaN for none), then for each of the group's series
 * its min, max, sum and last (f64 × capacity each) and count (u16 × capacity,
 * zero-padded to 8 bytes): a series' block as it lies in memory
 * (SeriesBuckets.block). Numbers are little-endian. The footer comes last.
 * Version 2 adds the footer's `generation` (which log continues this file) and
 * `previous` (the generation it replaced); version 1 files are still read.
 */
export const MAGIC = Buffer.from('VIGILTRS');
export const END = Buffer.from('VIGILEND');
export const VERSION = 2;
/** The versions this Vigil reads. */
const READS = [1, 2];

export class TierFileError extends Error {
  constructor(readonly kind: 'truncated' | 'foreign' | 'version' | 'corrupt', message: string) {
    super(message);
  }
}

const Spec = z.object({ name: z.string(), step: z.number().int().positive(), capacity: z.number().int().positive().max(1 << 20) });
const Generation = z.string().regex(/^[0-9a-f]{16}$/);
const Footer = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  written: z.number(),
  generation: Generation.optional(),
  previous: Generation.nullable().optional(),
  tiers: z.array(Spec),
  groups: z.array(
    z.object({
      channel: ChannelName,
      source: SourceName,
      through: z.number().nullable(),
      offset: z.number().int().nonnegative(),
      series: z.array(z.tuple([MetricKey, z.number().nullable()])),
      rings: z.array(z.object({ newest: z.number().int().nullable(), first: z.number().int().nullable() })),
    }),
  ),
});
type GroupMeta = z.infer<typeof Footer>['groups'][number];

const pad8 = (n: number) => (n + 7) & ~7;
const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Bytes of one group block with `series` series (the sum of its pieces). */
function groupBytes(specs: readonly TierSpec[], series: number): number {
  let n = 0;
  for (const s of specs) n += s.capacity * 8 + series * blockBytes(s.capacity);
  return n;
}

export function head(): Buffer {
  const b = Buffer.alloc(16);
  MAGIC.copy(b, 0);
  b.writeUInt32LE(VERSION, 8);
  return b;
}

const ZEROS = Buffer.alloc(blockBytes(1440));

/**
 * One group's tiers as its block: the rings' own memory, not copies (a state
 * of 1,000 series is some 60 MB; copying it cost the main thread more than the
 * rest of a write). So the buffers hold what the rings hold until they are
 * written: the caller holds the store (TierStore.hold) until then, so that no
 * tick changes them half-written. `meta` is what the footer says of the group
 * (`offset` set by the writer).
 */
export function encodeGroup(g: GroupTiers): { buffers: Buffer[]; bytes: number; meta: GroupMeta } {
  const keys = [...g.updated.keys()];
  const meta: GroupMeta = {
    channel: g.channel,
    source: g.source,
    through: fin(g.through),
    offset: 0,
    series: keys.map((k) => [k, fin(g.updated.get(k)!)]),
    rings: g.rings.map((r) => ({ newest: fin(r.newest), first: fin(r.first) })),
  };
  const buffers: Buffer[] = [];
  let bytes = 0;
  const put = (b: Buffer) => {
    buffers.push(b);
    bytes += b.length;
  };
  for (const r of g.rings) {
    put(r.slotBytes);
    for (const key of keys) {
      const s = r.series.get(key);
      if (s) put(s.block);
      // A series without buckets in this tier: zeros, its counts 0.
      else for (let n = blockBytes(r.spec.capacity); n > 0; n -= ZEROS.length) put(ZEROS.subarray(0, Math.min(n, ZEROS.length)));
    }
  }
  return { buffers, bytes, meta };
}

/** Which log continues a state file, and the generation it replaced (null: none, or a version 1 file). */
export interface Generations {
  generation: string | null;
  previous: string | null;
}

export function tail(specs: readonly TierSpec[], groups: GroupMeta[], written: number, gen: Generations): Buffer {
  const json = JSON.stringify({ version: VERSION, written, generation: gen.generation, previous: gen.previous, tiers: specs, groups });
  const len = pad8(Buffer.byteLength(json));
  const b = Buffer.alloc(len + 16, 0x20);
  b.write(json, 0);
  b.writeUInt32LE(len, len);
  b.writeUInt32LE(VERSION, len + 4);
  END.copy(b, len + 8);
  return b;
}

/**
 * Reads a whole state file into an empty store; throws TierFileError saying what
 * is wrong with it. Returns its generations and each group's series in the file's
 * order (which its log's records follow).
 */
export function decodeInto(store: TierStore, file: Buffer): Generations & { keys: Map<string, string[]> } {
  if (file.length < 32 || !file.subarray(0, 8).equals(MAGIC)) {
    if (file.length >= 8 && !file.subarray(0, 8).equals(MAGIC)) throw new TierFileError('foreign', 'not a Vigil tiers file (no VIGILTRS magic)');
    throw new TierFileError('truncated', `only ${file.length} bytes`);
  }
  const version = file.readUInt32LE(8);
  if (!READS.includes(version)) throw new TierFileError('version', `format version ${version}, this Vigil reads ${READS.join(' and ')}`);
  if (!file.subarray(file.length - 8).equals(END)) throw new TierFileError('truncated', 'no VIGILEND trailer (cut short while written?)');
  const len = file.readUInt32LE(file.length - 16);
  if (len > file.length - 32) throw new TierFileError('corrupt', 'footer length past the file');
  let footer: z.infer<typeof Footer>;
  try {
    footer = Footer.parse(JSON.parse(file.toString('utf8', file.length - 16 - len, file.length - 16)));
  } catch (err) {
    throw new TierFileError('corrupt', `unreadable footer: ${(err as Error).message.slice(0, 200)}`);
  }
  if (footer.version !== version || (version >= 2 && !footer.generation)) throw new TierFileError('corrupt', `footer of version ${footer.version} without its generation, head says ${version}`);
  if (JSON.stringify(footer.tiers) !== JSON.stringify(store.specs.map(({ name, step, capacity }) => ({ name, step, capacity })))) {
    throw new TierFileError('version', 'its tiers differ from this Vigil\'s');
  }
  const bodyEnd = file.length - 16 - len;
  let expect = 16;
  for (const m of footer.groups) {
    if (m.offset !== expect) throw new TierFileError('corrupt', `group ${m.channel}@${m.source} at ${m.offset}, expected ${expect}`);
    expect += groupBytes(store.specs, m.series.length);
  }
  if (expect !== bodyEnd) throw new TierFileError('corrupt', `blocks end at ${expect}, footer starts at ${bodyEnd}`);
  for (const m of footer.groups) decodeGroup(store, file, m);
  const keys = new Map(footer.groups.map((m) => [`${m.channel}@${m.source}`, m.series.map(([k]) => k)]));
  return { generation: footer.generation ?? null, previous: footer.previous ?? null, keys };
}

function decodeGroup(store: TierStore, file: Buffer, m: GroupMeta): void {
  if (m.rings.length !== store.specs.length) throw new TierFileError('corrupt', 'tiers of a group differ from the footer');
  const g = store.groupOf(m.channel, m.source);
  g.through = m.through ?? -Infinity;
  let at = m.offset;
  const f64 = (cap: number) => {
    const a = new Float64Array(cap);
    new Uint8Array(a.buffer).set(file.subarray(at, at + cap * 8));
    at += cap * 8;
    return a;
  };
  g.rings.forEach((r, i) => {
    const cap = r.spec.capacity;
    r.newest = m.rings[i].newest ?? -Infinity;
    r.first = m.rings[i].first ?? Infinity;
    r.slots.set(f64(cap));
    for (let slot = 0; slot < cap; slot++) {
      const b = r.slots[slot];
      if (Number.isNaN(b)) continue;
      if (!Number.isInteger(b) || b % cap !== slot || b > r.newest || b <= r.newest - cap) throw new TierFileError('corrupt', `slot ${slot} of ${r.spec.name} holds bucket ${b}`);
    }
    for (const [key, updated] of m.series) {
      const [min, max, sum, last] = [f64(cap), f64(cap), f64(cap), f64(cap)];
      const count = new Uint16Array(cap);
      new Uint8Array(count.buffer).set(file.subarray(at, at + cap * 2));
      at += pad8(cap * 2);
      if (!store.adopt(g, key, updated ?? -Infinity)) continue;
      const s = r.bucketsOf(key);
      for (let slot = 0; slot < cap; slot++) {
        if (count[slot] === 0) continue;
        if (!(min[slot] <= max[slot]) || !Number.isFinite(sum[slot]) || !Number.isFinite(last[slot]) || Number.isNaN(r.slots[slot])) {
          throw new TierFileError('corrupt', `${key}: bad bucket in slot ${slot} of ${r.spec.name}`);
        }
      }
      s.min.set(min);
      s.max.set(max);
      s.sum.set(sum);
      s.last.set(last);
      s.count.set(count);
    }
  });
}
