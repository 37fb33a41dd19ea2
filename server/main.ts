#!/usr/bin/env -S node --max-semi-space-size=1
// --max-semi-space-size=1 (MB; `npm start`, the Dockerfile and this shebang all
// pass it): V8's young generation otherwise grows to 16 MB semi-spaces when
// thousands of streams connect at once and keeps them, 16-20 KB of RSS per client
// at 1,000 clients in scripts/bench-fanout.ts for memory that idles. A stream
// server allocates little between rounds, so small semi-spaces cost it nothing
// measurable (docs/BENCHMARKS.md). It must be given to node at start: V8 sizes
// the heap once, and v8.setFlagsFromString comes too late.
import { DashboardsError } from './checks/dashboards-file.js';
import { ConfigError, helpText, parseConfig } from './config.js';
import { createVigil } from './vigil.js';

/** The process: config, listen, graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText());
    return;
  }
  let config;
  try {
    config = parseConfig({}, process.env, argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`vigil: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  let vigil;
  try {
    vigil = createVigil(config);
  } catch (err) {
    if (err instanceof DashboardsError) {
      console.error(`vigil: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  await vigil.start();
  if (config.role === 'agent') console.log(`Vigil agent ${config.source} publishing to Redis (health: ${vigil.url}/healthz)`);
  else console.log(`Vigil ${config.role} serving ${vigil.url}/ (stream: curl -N ${vigil.url}/api/stream)`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    vigil.logger.info({ signal }, 'stopping');
    // A stream that will not end must not hold the process past 5 s.
    setTimeout(() => process.exit(1), 5000).unref();
    vigil.stop().then(
      () => process.exit(0),
      (err) => {
        vigil.logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // Reloads the dashboards file; streams stay open. A bad file keeps the old dashboards.
  process.on('SIGHUP', () => {
    const r = vigil.reloadDashboards();
    if (r.ok) vigil.logger.info({ file: config.dashboards ?? null }, 'dashboards reloaded');
    else vigil.logger.error({ reason: r.error }, 'dashboards not reloaded; the old ones stay');
  });
}

main().catch((err) => {
  console.error(`vigil: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
