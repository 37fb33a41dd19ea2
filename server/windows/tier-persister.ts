import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { decodeInto, encodeGroup, head, tail, TierFileError } from './tier-file.js';
import { PeriodicWriter } from './periodic-writer.js';
import type { TierStore } from './tier-store.js';

export const STATE_FILE = 'tiers.bin';
/** Buffers per writev (the kernel takes 1,024 at most at once). */
const WRITEV_MAX = 1024;

export interface TierPersisterOptions {
  dir: string;
  /** How often the state is written, ms. */
  interval: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Keeps the tiers in `dir/tiers.bin` across restarts. The file is replaced
 * atomically (written to a temporary file, fsynced, renamed over the old one),
 * every `interval` ms when something changed and once more on stop, so a crash
 * loses at most one interval and never leaves a half-written state. The rings'
 * memory is handed to the file system as it is, without a copy, while the
 * store holds its folds (TierStore.hold), so no tick tears it and the event
 * loop only builds views of it. A state file that cannot be read
 * (truncated, corrupt, another version, not ours) is moved aside with one log
 * line, and Vigil starts empty: it is never fatal.
 */
export class TierPersister {
  private writtenVersion = -1;
  private readonly writer: PeriodicWriter;
  /** The main-thread time the last write's synchronous parts took (µs). */
  lastWriteCpu = 0;
  /** The longest the last write held the event loop at once (µs). */
  lastWriteLongest = 0;

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

  /** Reads the state file into the (empty) store; never throws. */
  async load(): Promise<void> {
    const log = this.opts.logger;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') log.info({ file: this.file }, 'no tiers state file yet; starting with empty tiers');
      else log.warn({ file: this.file, err: (err as Error).message }, 'tiers state file unreadable; starting with empty tiers');
      return;
    }
    try {
      decodeInto(this.store, bytes);
      this.writtenVersion = this.store.version;
      log.info({ file: this.file, series: this.store.size, groups: this.store.groups.size }, 'tiers state loaded');
    } catch (err) {
      this.store.clear();
      const kind = err instanceof TierFileError ? err.kind : 'corrupt';
      const aside = `${this.file}.${kind}-${(this.opts.now ?? Date.now)()}`;
      const moved = await rename(this.file, aside).then(
        () => aside,
        () => null,
      );
      log.warn({ file: this.file, movedTo: moved, reason: `${kind}: ${(err as Error).message}` }, 'tiers state file moved aside; starting with empty tiers');
    }
  }

  start(): void {
    this.writer.start();
  }

  /** Stops the timer and writes once more (what changed since the last write). */
  stop(): Promise<void> {
    return this.writer.stop();
  }

  /** Writes the state if it changed since the last write; one write at a time. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  private async writeIfChanged(): Promise<boolean> {
    const version = this.store.version;
    if (version === this.writtenVersion) return false;
    await this.write();
    this.writtenVersion = version;
    return true;
  }

  private async write(): Promise<void> {
    // Main-thread time of the synchronous parts (views, footer, the ticks folded on release);
    // the writes themselves run off the loop.
    let busy = 0;
    let longest = 0;
    const timed = <T>(fn: () => T): T => {
      const t0 = performance.now();
      try {
        return fn();
      } finally {
        const d = performance.now() - t0;
        busy += d;
        if (d > longest) longest = d;
      }
    };
    await mkdir(this.opts.dir, { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fh = await open(tmp, 'w');
    try {
      // The rings' own memory goes to the file (no copy): folds wait until it is written.
      this.store.hold();
      const metas: ReturnType<typeof encodeGroup>['meta'][] = [];
      try {
        let offset = 16;
        const buffers = timed(() => {
          const out: Buffer[] = [head()];
          for (const g of this.store.groups.values()) {
            const e = encodeGroup(g);
            e.meta.offset = offset;
            offset += e.bytes;
            metas.push(e.meta);
            for (const b of e.buffers) out.push(b);
          }
          return out;
        });
        for (let i = 0; i < buffers.length; i += WRITEV_MAX) await fh.writev(buffers.slice(i, i + WRITEV_MAX));
      } finally {
        timed(() => this.store.release());
      }
      await fh.write(timed(() => tail(this.store.specs, metas, (this.opts.now ?? Date.now)())));
      await fh.sync();
    } finally {
      await fh.close();
    }
    this.lastWriteCpu = busy * 1000;
    this.lastWriteLongest = longest * 1000;
    await rename(tmp, this.file);
    // The rename itself is durable only once the directory is synced.
    const dir = await open(this.opts.dir, 'r');
    await dir.sync().finally(() => dir.close());
  }
}
