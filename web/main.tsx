import { boot } from './boot.js';
import { parseOptions } from './options.js';
import { capPixelRatio } from './pixel-ratio.js';

// The process of the page: read options, cap the pixel ratio, and only then
// load uPlot, which reads devicePixelRatio when its module is evaluated.
const opts = parseOptions(location.search);
capPixelRatio(opts.dpr);
const { default: uPlot } = await import('uplot');
const page = boot(opts, document.getElementById('app')!, uPlot);
// For e2e tests and debugging from the console; the page never reads it.
(window as unknown as { vigil: typeof page }).vigil = page;
