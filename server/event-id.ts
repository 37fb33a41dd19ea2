import { randomBytes } from 'node:crypto';

/**
 * Event ids are `<epoch>-<seq>`: the epoch names one life of a hub (a process, or
 * one Redis stream), the sequence orders its events from 1. Seq 0 means "before
 * the first event" and is what a snapshot of an empty hub carries.
 */
export interface EventId {
  epoch: string;
  seq: number;
}

const ID = /^([a-z0-9]{1,32})-(\d{1,15})$/;

export function formatId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/** Null for anything that is not an id this hub could have written (empty, huge, garbage). */
export function parseId(raw: string | undefined | null): EventId | null {
  if (!raw || raw.length > 64) return null;
  const m = ID.exec(raw.trim());
  if (!m) return null;
  const seq = Number(m[2]);
  return Number.isSafeInteger(seq) ? { epoch: m[1], seq } : null;
}

/** A fresh epoch: time-ordered, unique enough that two lives never share one. */
export function newEpoch(now = Date.now()): string {
  return now.toString(36) + randomBytes(3).toString('hex');
}
