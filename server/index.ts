/** Library mode: `import { createVigil, parseConfig } from 'vigil'`. */
export { createVigil, type Vigil, type VigilDeps } from './vigil.js';
export { parseConfig, type Config, type ConfigInput } from './config.js';
export type { Hub, HubEvent } from './hub/hub.js';
export type { Source, Reading } from './sources/sampler.js';
