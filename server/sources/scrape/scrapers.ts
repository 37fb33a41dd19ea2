import type { Logger } from 'pino';
import type { Hub } from '../../hub/hub.js';
import type { SeriesWindows } from '../../windows/series-windows.js';
import { ScrapeTarget } from './scrape-target.js';
import type { TargetSpec } from './target-spec.js';

export interface ScrapersOptions {
  targets: readonly TargetSpec[];
  hub: Pick<Hub, 'publish'>;
  windows: SeriesWindows;
  logger: Logger;
  interval: number;
  window: number;
  maxSeries: number;
}

/** Every scrape target of the config; owns their timers. */
export class Scrapers {
  readonly targets: ScrapeTarget[];

  constructor(o: ScrapersOptions) {
    this.targets = o.targets.map((spec) => new ScrapeTarget({ spec, hub: o.hub, windows: o.windows, logger: o.logger, interval: o.interval, window: o.window, maxSeries: o.maxSeries }));
  }

  start(): void {
    for (const t of this.targets) t.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.stop()));
  }
}
