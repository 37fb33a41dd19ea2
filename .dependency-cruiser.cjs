/**
 * The flow of the tree is one way: sources → windows → hub → (checks → hub) → stream → http, with
 * the wiring at the top of server/, and the wire contract in shared/ beneath all.
 * `npm run lint:deps` (and tests/layout.test.ts, so `npm test`) fails on a
 * wrong-way import and names both files.
 */
module.exports = {
  forbidden: [
    {
      name: 'sources-not-downstream',
      comment: 'A source knows nothing of clients: server/sources/ never imports server/stream/ or server/http/.',
      severity: 'error',
      from: { path: '^server/sources/' },
      to: { path: '^server/(stream|http)/' },
    },
    {
      name: 'windows-hub-not-downstream',
      comment: 'Windows and the hub know nothing of HTTP or SSE: server/windows/ and server/hub/ never import server/stream/ or server/http/.',
      severity: 'error',
      from: { path: '^server/(windows|hub)/' },
      to: { path: '^server/(stream|http)/' },
    },
    {
      name: 'checks-not-downstream',
      comment: 'The checks stage reads ticks from the hub and publishes status events into it: server/checks/ never imports server/stream/ or server/http/.',
      severity: 'error',
      from: { path: '^server/checks/' },
      to: { path: '^server/(stream|http)/' },
    },
    {
      name: 'pipeline-not-wiring',
      comment: 'Only the top of server/ wires things: no stage imports vigil.ts, pipeline.ts, main.ts, index.ts or roles.ts.',
      severity: 'error',
      from: { path: '^server/[^/]+/' },
      to: { path: '^server/(vigil|pipeline|main|index|roles)\\.ts$' },
    },
    {
      name: 'shared-stands-alone',
      comment: 'The wire contract imports nothing from server/ or web/.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(server|web|scripts|tests)/' },
    },
    {
      name: 'web-only-shared',
      comment: 'The page knows only the wire contract: web/ imports nothing from outside itself but shared/.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(server|scripts|tests)/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes the flow two-way.',
      severity: 'error',
      from: { path: '^(server|shared|web)/' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.json'] },
  },
};
