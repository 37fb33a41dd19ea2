import { randomBytes } from 'node:crypto';

/**
 * Event ids are `<epoch>-<seq>`: the epoch names one life of a hub (a process, or
 * one Redis stream), the sequence orders its events from 1. Seq 0 means "before
 * the first event" and is what a snapshot of an empty hub carries.
 *
 * A Redis hub writes `<epoch>-<ms>-<n>`, the epoch and the exact stream entry id,
 * so every instance gives an event the same id; its seq is derived by entrySeq.
 */
export interface EventId {
  epoch: string;
  seq: number;
  /** The Redis stream entry id `<ms>-<n>`, for ids written by a Redis hub. */
  entry?: string;
}

const ID = /^([a-z0-9]{1,32})-(\d{1,15})(?:-(\d{1,15}))?$/;

/** Entries a Redis stream may number within one millisecond before seqs saturate (see entrySeq). */
export const ENTRY_N_SPAN = 1024;

export function formatId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/**
 * A numeric order for a stream entry id: ms·1024 + n, exact while n < 1024 (over a
 * million events a second) and safe as a double until the year 2248. Should Redis's
 * clock step back under load, n saturates and later seqs tie rather than go backwards.
 */
export function entrySeq(ms: number, n: number): number {
  return ms * ENTRY_N_SPAN + Math.min(n, ENTRY_N_SPAN - 1);
}

/** Null for anything that is not an id this hub could have written (empty, huge, garbage). */
export function parseId(raw: string | undefined | null): EventId | null {
  if (!raw || raw.length > 64) return null;
  const m = ID.exec(raw.trim());
  if (!m) return null;
  const a = Number(m[2]);
  if (!Number.isSafeInteger(a)) return null;
  if (m[3] === undefined) return { epoch: m[1], seq: a };
  const n = Number(m[3]);
  const seq = entrySeq(a, n);
  return Number.isSafeInteger(seq) ? { epoch: m[1], seq, entry: `${a}-${n}` } : null;
}

/** A fresh epoch: time-ordered, unique enough that two lives never share one. */
export function newEpoch(now = Date.now()): string {
  return now.toString(36) + randomBytes(3).toString('hex');
}
