// The process of the page. startup.js must stay the first import: it reads the
// options and caps the pixel ratio before uPlot's module (imported through
// boot.js by the sparklines) reads it; modules run in import order.
import { opts } from './startup.js';
import { boot } from './boot.js';

const page = boot(opts, document.getElementById('app')!);
// For e2e tests and debugging from the console; the page never reads it.
(window as unknown as { vigil: typeof page }).vigil = page;
