import { parseOptions } from './options.js';
import { capPixelRatio } from './pixel-ratio.js';

// The process of the page: read options, cap the pixel ratio before uPlot is
// evaluated (it reads devicePixelRatio at import), then load and start the rest.
const opts = parseOptions(location.search);
capPixelRatio(opts.dpr);
const { boot } = await import('./boot.js');
const page = boot(opts, document.getElementById('app')!);
// For e2e tests and debugging from the console; the page never reads it.
(window as unknown as { vigil: typeof page }).vigil = page;
