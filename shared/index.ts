export * from './schema.js';
export * from './query.js';
export * from './ingest.js';
export * from './series.js';
export * from './dashboards.js';
export * from './default-dashboards.js';
export * from './tile-match.js';
export * from './glob.js';
