import si from 'systeminformation';
import type { Reading } from './sampler.js';
import { metricWord } from './metric-name.js';

/**
 * Disk usage % per mount, refreshed on a slow cadence by systeminformation
 * (it runs `df`, far too dear for a 1 Hz loop); the host source adds the last
 * known values to every tick.
 */
export class DiskUsage {
  private readings: Reading[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly every = 30_000,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.every);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  current(): Reading[] {
    return this.readings;
  }

  private async refresh(): Promise<void> {
    try {
      const sizes = await si.fsSize();
      const seen = new Set<string>();
      const next: Reading[] = [];
      for (const fs of sizes) {
        if (!fs.mount || fs.size <= 0 || /^(\/proc|\/sys|\/dev|\/run)/.test(fs.mount)) continue;
        const name = `host.fs.${metricWord(fs.mount)}.percent`;
        if (seen.has(name)) continue;
        seen.add(name);
        next.push({ name, unit: '%', v: fs.use });
      }
      this.readings = next.slice(0, 32);
    } catch (err) {
      this.onError(err);
    }
  }
}
