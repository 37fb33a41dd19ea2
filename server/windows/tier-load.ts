import { readdir, readFile, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { decodeInto, TierFileError, type Generations } from './tier-file.js';
import { applyDelta, markAll, type Marks, type WriterKeys } from './tier-delta.js';
import { readLogHead, replayLog } from './tier-log.js';
import type { TierStore } from './tier-store.js';

export const STATE_FILE = 'tiers.bin';
export const LOG_FILE = 'tiers.log';

export interface Loaded {
  gen: Generations;
  /** Bytes of the state file read. */
  baseSize: number;
  /** The log's good length and where each group stood at its end; null when the log cannot be continued (the next write is a whole state file). */
  log: { size: number; marks: Marks } | null;
}

export interface LoadOptions {
  dir: string;
  logger: Logger;
  now?: () => number;
}

/**
 * Reads `dir`'s state file and replays its log into the (empty) store; never
 * throws. Null when there is no usable state file (then the store is empty):
 * a bad one is moved aside with its log, in one log line. A log that cannot be
 * used is moved aside (or, the previous state file's, left to be replaced), and
 * the state file alone is used.
 */
export async function loadState(store: TierStore, opts: LoadOptions): Promise<Loaded | null> {
  const log = opts.logger;
  const file = join(opts.dir, STATE_FILE);
  const logFile = join(opts.dir, LOG_FILE);
  await removeTemporaries(opts);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      log.warn({ file, err: (err as Error).message }, 'tiers state file unreadable; starting with empty tiers');
      return null;
    }
    // A log without its state file continues nothing.
    const logMovedTo = await aside(logFile, 'orphan', opts);
    log.info({ file, ...(logMovedTo && { logMovedTo }) }, 'no tiers state file yet; starting with empty tiers');
    return null;
  }
  let decoded: ReturnType<typeof decodeInto>;
  try {
    decoded = decodeInto(store, bytes);
  } catch (err) {
    store.clear();
    const kind = err instanceof TierFileError ? err.kind : 'corrupt';
    const movedTo = await aside(file, kind, opts);
    const logMovedTo = await aside(logFile, 'orphan', opts);
    log.warn({ file, movedTo, ...(logMovedTo && { logMovedTo }), reason: `${kind}: ${(err as Error).message}` }, 'tiers state file moved aside; starting with empty tiers');
    return null;
  }
  const gen = { generation: decoded.generation, previous: decoded.previous };
  const replayed = await loadLog(store, gen, decoded.keys, opts);
  log.info({ file, series: store.size, groups: store.groups.size, logRecords: replayed.records }, 'tiers state loaded');
  return { gen, baseSize: bytes.length, log: replayed.log };
}

/** Replays the log of the state file just read. */
async function loadLog(store: TierStore, gen: Generations, keys: WriterKeys, opts: LoadOptions): Promise<{ records: number; log: Loaded['log'] }> {
  const log = opts.logger;
  const file = join(opts.dir, LOG_FILE);
  const none = { records: 0, log: null };
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    // No log (a version 1 state file, a stop between the two files): the next write starts one.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ file, err: (err as Error).message }, 'tiers log unreadable; using the state file alone');
    return none;
  }
  let generation: string;
  try {
    generation = readLogHead(bytes);
  } catch (err) {
    const kind = err instanceof TierFileError ? err.kind : 'corrupt';
    log.warn({ file, movedTo: await aside(file, kind, opts), reason: `${kind}: ${(err as Error).message}` }, 'tiers log moved aside; using the state file alone');
    return none;
  }
  if (generation !== gen.generation) {
    // The previous state file's log: a stop between writing the state file and its new log; all in the state file.
    if (generation === gen.previous) log.info({ file, generation }, 'tiers log of the previous state file; its records are in the state file');
    else log.warn({ file, movedTo: await aside(file, 'foreign', opts), reason: `foreign: log of generation ${generation}, the state file is ${gen.generation ?? 'version 1'}` }, 'tiers log moved aside; using the state file alone');
    return none;
  }
  const r = replayLog(bytes, (json, data) => applyDelta(store, json, data, keys));
  if (r.error) {
    log.warn({ file, records: r.records, dropped: bytes.length - r.end, reason: r.error }, 'tiers log cut at its first bad record (a write torn by a crash?)');
    // Appends go at its good length anyway; cut it there so that no later reader trips on the torn bytes.
    if (!(await truncate(file, r.end).then(() => true, () => false))) return { records: r.records, log: null };
  }
  return { records: r.records, log: { size: r.end, marks: markAll(store, keys) } };
}

/** Removes what a process killed while writing left (a whole state file's worth, 61 MB at 1,000 series). */
async function removeTemporaries(opts: LoadOptions): Promise<void> {
  const names = await readdir(opts.dir).catch(() => [] as string[]);
  const own = [`${STATE_FILE}.tmp-${process.pid}`, `${LOG_FILE}.tmp-${process.pid}`];
  const stale = names.filter((n) => /^tiers\.(bin|log)\.tmp-\d+$/.test(n) && !own.includes(n));
  for (const n of stale) await rm(join(opts.dir, n), { force: true });
  if (stale.length) opts.logger.info({ dir: opts.dir, removed: stale }, 'removed temporary tiers files a stopped write left');
}

/** Renames `file` to `file.<kind>-<ms>`; its new name, or null when there was nothing to move. */
function aside(file: string, kind: string, opts: LoadOptions): Promise<string | null> {
  const to = `${file}.${kind}-${(opts.now ?? Date.now)()}`;
  return rename(file, to).then(
    () => to,
    () => null,
  );
}
