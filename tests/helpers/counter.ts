import type { Source } from '../../server/sources/sampler.js';

/**
 * An `app` source whose metric `app.count` is 1, 2, 3… one per round, so a test
 * can tell from the values alone whether any tick was lost or repeated.
 */
export function counterSource(): Source & { readonly count: number } {
  let n = 0;
  return {
    channel: 'app',
    get count() {
      return n;
    },
    sample: () => [{ name: 'app.count', unit: '', v: ++n }],
  };
}
