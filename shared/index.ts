export * from './schema.js';
export * from './query.js';
export * from './ingest.js';
export * from './series.js';
