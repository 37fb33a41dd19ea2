import { INGEST_VALUE_MAX } from '../../../shared/ingest.js';
import type { AppChannel, AppSample } from '../app-channel.js';
import { Folder, type Fold } from '../scrape/folder.js';
import type { OtlpRequest } from './otlp-json.js';
import { otlpGroups } from './otlp-points.js';

export interface OtlpResult {
  /** Readings recorded (after rates and quantiles), and the sources they went to. */
  accepted: number;
  sources: string[];
}

/**
 * OTLP metrics onto the `app` channel: each source (service) keeps its own
 * counter and histogram state, so rates and quantiles come out as for a scrape.
 * All or nothing: the state of a request that is refused (cardinality) is not kept.
 */
export class OtlpReceiver {
  private readonly folders = new Map<string, Folder>();

  constructor(
    private readonly app: AppChannel,
    private readonly window: number,
    private readonly fallbackSource: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records a request parsed by OtlpRequest. Throws OtlpInputError (400) for a
   * metric it cannot take; returns a refusal (429) past a cardinality cap.
   */
  receive(req: OtlpRequest): OtlpResult | { refused: string } {
    const t = this.now();
    const folds: { source: string; folder: Folder; fold: Fold }[] = [];
    const samples: AppSample[] = [];
    for (const g of otlpGroups(req, this.fallbackSource)) {
      const folder = this.folders.get(g.source) ?? new Folder(this.window);
      const fold = folder.fold(g.points, t);
      folds.push({ source: g.source, folder, fold });
      for (const r of fold.readings) {
        // A rate over a tiny span can leave the range a window sums safely.
        if (Math.abs(r.v) <= INGEST_VALUE_MAX) samples.push({ key: r.key, source: g.source, unit: r.unit, t, v: r.v });
      }
    }
    const problem = this.app.cardinalityProblem(samples);
    if (problem) return { refused: problem };
    for (const f of folds) {
      f.fold.commit();
      if (f.folder.size > 0) this.folders.set(f.source, f.folder);
      else this.folders.delete(f.source);
    }
    if (samples.length) this.app.record(samples);
    return { accepted: samples.length, sources: [...new Set(folds.map((f) => f.source))] };
  }
}
