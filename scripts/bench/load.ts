import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, Kind, OpenResult, Report, ToWorker } from './load-worker.js';
import { MsHistogram } from './stats.js';
import { spawnNode } from './targets.js';

export interface Opened {
  ready: number;
  failed: number;
  firstError: string | null;
  /** ms from the start of opening until each client had its first frame, all workers. */
  readyAtMs: number[];
  firstFrameBytes: number[];
}

export interface Measured {
  hist: MsHistogram;
  events: number;
  bytes: number;
  alive: number;
  dropped: number;
}

/** A pool of load-generator processes (scripts/bench/load-worker.ts), each holding a share of the clients. */
export class LoadPool {
  private constructor(private readonly workers: ChildProcess[]) {}

  static start(n: number): LoadPool {
    const file = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
    return new LoadPool(Array.from({ length: n }, () => spawnNode(['--import', 'tsx', file], { ipc: true })));
  }

  private ask<T extends FromWorker>(w: ChildProcess, msg: ToWorker, type: T['type'], onOther?: (m: FromWorker) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMsg = (m: FromWorker) => {
        if (m.type === type) {
          w.off('message', onMsg);
          w.off('exit', onExit);
          resolve(m as T);
        } else onOther?.(m);
      };
      const onExit = (code: number) => reject(new Error(`load worker exited with ${code}`));
      w.on('message', onMsg);
      w.once('exit', onExit);
      w.send(msg);
    });
  }

  /**
   * Opens `total` clients split over the workers, at most `concurrency` connecting at once per worker.
   * With several URLs (instances of one service), worker i connects to url[i % length].
   */
  async open(url: string | string[], kind: Kind, total: number, concurrency: number, timeoutMs: number, onProgress?: (ready: number, failed: number) => void): Promise<Opened> {
    const progress = this.workers.map(() => ({ ready: 0, failed: 0 }));
    const results = await Promise.all(
      this.workers.map((w, i) => {
        const count = Math.floor(total / this.workers.length) + (i < total % this.workers.length ? 1 : 0);
        const target = Array.isArray(url) ? url[i % url.length] : url;
        return this.ask<OpenResult>(w, { type: 'open', url: target, kind, count, concurrency, timeoutMs }, 'opened', (m) => {
          if (m.type !== 'progress') return;
          progress[i] = m;
          onProgress?.(progress.reduce((s, p) => s + p.ready, 0), progress.reduce((s, p) => s + p.failed, 0));
        });
      }),
    );
    return {
      ready: results.reduce((s, r) => s + r.ready, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
      firstError: results.find((r) => r.firstError)?.firstError ?? null,
      readyAtMs: results.flatMap((r) => r.readyAtMs),
      firstFrameBytes: results.flatMap((r) => r.firstFrameBytes),
    };
  }

  reset(): void {
    for (const w of this.workers) w.send({ type: 'reset' } satisfies ToWorker);
  }

  async report(): Promise<Measured> {
    const reports = await Promise.all(this.workers.map((w) => this.ask<Report>(w, { type: 'report' }, 'report')));
    const hist = new MsHistogram();
    for (const r of reports) hist.merge(r.hist);
    return {
      hist,
      events: reports.reduce((s, r) => s + r.events, 0),
      bytes: reports.reduce((s, r) => s + r.bytes, 0),
      alive: reports.reduce((s, r) => s + r.alive, 0),
      dropped: reports.reduce((s, r) => s + r.dropped, 0),
    };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null) return resolve();
            const t = setTimeout(() => w.kill('SIGKILL'), 3000);
            w.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            w.send({ type: 'close' } satisfies ToWorker);
          }),
      ),
    );
  }
}
