import { crc32 } from 'node:zlib';
import { TierFileError } from './tier-file.js';

/*
 * The tiers' log (docs/persistence.md): what changed since the state file
 * (tier-file.ts) was written, one record per write, appended and fsynced.
 *
 *   "VIGILLOG"  u32 version  u32 0  generation (16 ASCII hex digits)   32 bytes of head
 *   records, one after the other, each a multiple of 8 bytes:
 *     u32 crc32 of the rest of the record   u32 L: bytes after these 8
 *     u32 J: JSON bytes   u32 0   JSON padded with spaces to 8   f64 data
 *
 * The generation is the state file's (its footer's `generation`): a log of
 * another generation does not continue that file. Numbers are little-endian.
 * A reader applies records in order and stops at the first one that is cut
 * short or fails its checksum (a write torn by a crash): everything before it
 * holds.
 */
export const LOG_MAGIC = Buffer.from('VIGILLOG');
export const LOG_VERSION = 1;
export const LOG_HEAD = 32;
/** A record larger than this is not believed (a corrupt length). */
const RECORD_MAX = 1 << 30;

const pad8 = (n: number) => (n + 7) & ~7;

export function logHead(generation: string): Buffer {
  const b = Buffer.alloc(LOG_HEAD);
  LOG_MAGIC.copy(b, 0);
  b.writeUInt32LE(LOG_VERSION, 8);
  b.write(generation, 16, 16, 'latin1');
  return b;
}

/** The generation a log continues; throws TierFileError when its head is not a log's. */
export function readLogHead(file: Buffer): string {
  if (file.length >= 8 && !file.subarray(0, 8).equals(LOG_MAGIC)) throw new TierFileError('foreign', 'not a Vigil tiers log (no VIGILLOG magic)');
  if (file.length < LOG_HEAD) throw new TierFileError('truncated', `only ${file.length} bytes`);
  const version = file.readUInt32LE(8);
  if (version !== LOG_VERSION) throw new TierFileError('version', `log format version ${version}, this Vigil reads ${LOG_VERSION}`);
  const generation = file.toString('latin1', 16, 32);
  if (!/^[0-9a-f]{16}$/.test(generation)) throw new TierFileError('corrupt', 'unreadable generation in the log head');
  return generation;
}

/** A record's bytes, its `data` (f64 × doubles) to fill, then `seal()` it. */
export function newRecord(json: string, doubles: number): { buf: Buffer; data: Float64Array; seal: () => Buffer } {
  const j = Buffer.byteLength(json);
  const at = 16 + pad8(j);
  // Buffer.alloc of its own ArrayBuffer: offset 0, so `data` is an aligned view, not a copy.
  const buf = Buffer.alloc(at + doubles * 8, 0x20);
  buf.writeUInt32LE(buf.length - 8, 4);
  buf.writeUInt32LE(j, 8);
  buf.writeUInt32LE(0, 12);
  buf.write(json, 16);
  const data = new Float64Array(buf.buffer, buf.byteOffset + at, doubles);
  data.fill(0);
  return { buf, data, seal: () => (buf.writeUInt32LE(crc32(buf.subarray(4)), 0), buf) };
}

export interface Replayed {
  /** Where the last whole record ends (the log's good length). */
  end: number;
  records: number;
  /** Why replay stopped before the end of the file; null when it read it all. */
  error: string | null;
}

/**
 * Applies the log's records in order (`apply` throws TierFileError for one it
 * cannot use, and must then have changed nothing) and stops at the first bad one.
 */
export function replayLog(file: Buffer, apply: (json: unknown, data: Float64Array) => void): Replayed {
  let at = LOG_HEAD;
  let records = 0;
  const stop = (error: string): Replayed => ({ end: at, records, error });
  while (at < file.length) {
    if (file.length - at < 16) return stop(`a record cut short at ${at}`);
    const len = file.readUInt32LE(at + 4);
    if (len < 8 || len % 8 !== 0 || len > RECORD_MAX) return stop(`a record of ${len} bytes at ${at}`);
    if (at + 8 + len > file.length) return stop(`a record cut short at ${at} (${len} bytes, ${file.length - at - 8} there)`);
    const rec = file.subarray(at, at + 8 + len);
    if (crc32(rec.subarray(4)) !== rec.readUInt32LE(0)) return stop(`a record failing its checksum at ${at}`);
    const j = rec.readUInt32LE(8);
    if (16 + pad8(j) > rec.length) return stop(`a record whose JSON overruns it at ${at}`);
    let json: unknown;
    try {
      json = JSON.parse(rec.toString('utf8', 16, 16 + j));
      apply(json, f64s(rec, 16 + pad8(j)));
    } catch (err) {
      return stop(`record at ${at}: ${(err as Error).message.slice(0, 200)}`);
    }
    at += rec.length;
    records++;
  }
  return { end: at, records, error: null };
}

/** The doubles of `buf` from `at`: a view when aligned, else a copy. */
function f64s(buf: Buffer, at: number): Float64Array {
  const n = (buf.length - at) / 8;
  if ((buf.byteOffset + at) % 8 === 0) return new Float64Array(buf.buffer, buf.byteOffset + at, n);
  const a = new Float64Array(n);
  new Uint8Array(a.buffer).set(buf.subarray(at));
  return a;
}
