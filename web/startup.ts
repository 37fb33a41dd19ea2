import { parseOptions, type PageOptions } from './options.js';
import { capPixelRatio } from './pixel-ratio.js';

// Imported first by main.tsx, so it runs before uPlot's module is evaluated
// (uPlot reads devicePixelRatio then): modules run in import order.
export const opts: PageOptions = parseOptions(location.search);
capPixelRatio(opts.dpr);
