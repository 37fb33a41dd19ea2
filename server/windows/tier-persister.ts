import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { encodeGroup, head, tail, type Generations } from './tier-file.js';
import { encodeDelta, markAll, type Marks } from './tier-delta.js';
import { LOG_HEAD, logHead } from './tier-log.js';
import { LOG_FILE, loadState, STATE_FILE } from './tier-load.js';
import { PeriodicWriter } from './periodic-writer.js';
import type { TierStore } from './tier-store.js';

export { LOG_FILE, STATE_FILE };
/** Buffers per writev (the kernel takes 1,024 at most at once). */
const WRITEV_MAX = 1024;

export interface TierPersisterOptions {
  dir: string;
  /** How often the state is written, ms. */
  interval: number;
  logger: Logger;
  now?: () => number;
  /**
   * The log is folded into a new state file when it would pass this share of
   * the state file's size (0: every write is a whole state file).
   */
  compactAt?: number;
}

/** A default compactAt: at 1,000 series (61 MB) a new state file every ~150 writes of ~200 KB. */
export const COMPACT_AT = 0.5;

/**
 * Keeps the tiers in `dir` across restarts: a state file (`tiers.bin`, the
 * base) and a log (`tiers.log`) of what changed since. Every `interval` ms when
 * something changed, one record with only the buckets touched since the last
 * write is appended to the log and fsynced; when the log would pass
 * `compactAt` × the state file, and on stop, the whole state is written
 * instead, atomically (a temporary file, fsynced, renamed over the old one),
 * with a new generation and an empty log of that generation. At start the
 * state file is read and the log's records of its generation replayed, up to
 * the first torn one, so a crash loses at most one interval and never leaves a
 * half-written state.
 *
 * A whole-state write hands the rings' memory to the file system as it is,
 * without a copy, while the store holds its folds (TierStore.hold); a log
 * record is a copy of the few buckets touched (some hundred KB at 1,000 series).
 * A state file that cannot be read (truncated, corrupt, another version, not
 * ours) is moved aside with one log line, with its log, and Vigil starts empty;
 * a log that cannot be read or belongs to another state file is moved aside
 * and the state file alone is used: it is never fatal.
 */
export class TierPersister {
  private writtenVersion = -1;
  private readonly writer: PeriodicWriter;
  /** The generation of the state file on disk (and the one it replaced). */
  private gen: Generations = { generation: null, previous: null };
  /** Where each group stood at the last write; null: the next write is a whole state file. */
  private marks: Marks | null = null;
  private logSize = 0;
  private baseSize = 0;
  private stopping = false;
  private busy = 0;
  private longest = 0;
  /** The main-thread time the last write's synchronous parts took (µs). */
  lastWriteCpu = 0;
  /** The longest the last write held the event loop at once (µs). */
  lastWriteLongest = 0;
  /** What the last write was: a log record or a whole state file. */
  lastWrite: 'log' | 'base' | null = null;
  /** Bytes the last write wrote. */
  lastWriteBytes = 0;
  /** Whole state files written, log records appended. */
  compactions = 0;
  appends = 0;

  constructor(
    private readonly store: TierStore,
    private readonly opts: TierPersisterOptions,
  ) {
    this.writer = new PeriodicWriter({
      interval: opts.interval,
      write: () => this.writeIfChanged(),
      // Logged once per outage (a full disk, a read-only dir), never fatal.
      onFail: (err) => opts.logger.error({ file: this.file, err: err.message }, 'tiers state write failed; will retry'),
      onRecover: () => opts.logger.info({ file: this.file }, 'tiers state written again'),
    });
  }

  /** Writes done. */
  get writes(): number {
    return this.writer.writes;
  }

  get file(): string {
    return join(this.opts.dir, STATE_FILE);
  }

  get logFile(): string {
    return join(this.opts.dir, LOG_FILE);
  }

  /** Reads the state file and replays its log into the (empty) store; never throws (tier-load.ts). */
  async load(): Promise<void> {
    const loaded = await loadState(this.store, this.opts);
    if (!loaded) return;
    this.gen = loaded.gen;
    this.baseSize = loaded.baseSize;
    this.logSize = loaded.log?.size ?? 0;
    this.marks = loaded.log?.marks ?? null;
    this.writtenVersion = this.store.version;
  }

  start(): void {
    this.writer.start();
  }

  /** Stops the timer and writes once more: the whole state, so the next start reads no log. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.writer.stop();
  }

  /** Writes what changed since the last write; one write at a time. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  private async writeIfChanged(): Promise<boolean> {
    const version = this.store.version;
    const foldLog = this.stopping && this.logSize > LOG_HEAD;
    if (version === this.writtenVersion && !foldLog) return false;
    this.busy = this.longest = 0;
    const appended = this.stopping ? 'compact' : await this.append();
    if (appended === 'nothing') {
      this.writtenVersion = version;
      return false;
    }
    if (appended === 'compact') await this.compact();
    this.lastWriteCpu = this.busy * 1000;
    this.lastWriteLongest = this.longest * 1000;
    this.writtenVersion = version;
    return true;
  }

  /** Main-thread time of the synchronous parts of a write; the writes themselves run off the loop. */
  private timed<T>(fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      const d = performance.now() - t0;
      this.busy += d;
      if (d > this.longest) this.longest = d;
    }
  }

  /** Appends what changed to the log, unless nothing did or a whole state file is due instead. */
  private async append(): Promise<'appended' | 'nothing' | 'compact'> {
    const marks = this.marks;
    if (!marks) return 'compact';
    const delta = this.timed(() => encodeDelta(this.store, marks, (this.opts.now ?? Date.now)()));
    if (!delta) return 'nothing';
    const rec = delta.record;
    if (this.logSize + rec.length > (this.opts.compactAt ?? COMPACT_AT) * this.baseSize) return 'compact';
    try {
      // At the log's good length, over whatever a failed append left there.
      const fh = await open(this.logFile, 'r+');
      try {
        await fh.write(rec, 0, rec.length, this.logSize);
        await fh.datasync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      this.marks = null;
      throw err;
    }
    this.logSize += rec.length;
    this.marks = delta.marks;
    this.appends++;
    this.lastWrite = 'log';
    this.lastWriteBytes = rec.length;
    return 'appended';
  }

  /** Writes the whole state as a new generation, then its empty log. */
  private async compact(): Promise<void> {
    const gen: Generations = { generation: randomBytes(8).toString('hex'), previous: this.gen.generation };
    // Until the new state file and its log are both in place, the next write is a whole one again.
    this.marks = null;
    await mkdir(this.opts.dir, { recursive: true });
    const { marks, bytes } = await this.writeBase(gen);
    await this.syncDir();
    this.gen = gen;
    await this.writeWhole(this.logFile, logHead(gen.generation!));
    await this.syncDir();
    this.marks = marks;
    this.baseSize = bytes;
    this.logSize = LOG_HEAD;
    this.compactions++;
    this.lastWrite = 'base';
    this.lastWriteBytes = bytes + LOG_HEAD;
  }

  /** The state file, atomically; where each group stood when written, and its size. */
  private async writeBase(gen: Generations): Promise<{ marks: Marks; bytes: number }> {
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fh = await open(tmp, 'w');
    let marks: Marks;
    let offset = 16;
    let whole = false;
    try {
      // The rings' own memory goes to the file (no copy): folds wait until it is written.
      this.store.hold();
      const metas: ReturnType<typeof encodeGroup>['meta'][] = [];
      try {
        const buffers = this.timed(() => {
          const out: Buffer[] = [head()];
          for (const g of this.store.groups.values()) {
            const e = encodeGroup(g);
            e.meta.offset = offset;
            offset += e.bytes;
            metas.push(e.meta);
            for (const b of e.buffers) out.push(b);
          }
          marks = markAll(this.store);
          return out;
        });
        for (let i = 0; i < buffers.length; i += WRITEV_MAX) await fh.writev(buffers.slice(i, i + WRITEV_MAX));
      } finally {
        whole = this.timed(() => this.store.release());
      }
      const t = this.timed(() => tail(this.store.specs, metas, (this.opts.now ?? Date.now)(), gen));
      offset += t.length;
      await fh.write(t);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (!whole) {
      await rm(tmp, { force: true });
      throw new Error('ticks came faster than the state could be written (more than the store holds meanwhile); the state file was not replaced');
    }
    await rename(tmp, this.file);
    return { marks: marks!, bytes: offset };
  }

  /** A small file, atomically. */
  private async writeWhole(file: string, bytes: Buffer): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}`;
    const fh = await open(tmp, 'w');
    try {
      await fh.write(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  }

  /** A rename is durable only once the directory is synced. */
  private async syncDir(): Promise<void> {
    const dir = await open(this.opts.dir, 'r');
    await dir.sync().finally(() => dir.close());
  }
}
