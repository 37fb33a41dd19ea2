import { parseConfig, type ConfigInput } from '../../server/config.js';
import { createVigil, type Vigil, type VigilDeps } from '../../server/vigil.js';

export interface Running {
  vigil: Vigil;
  url: string;
  stop: () => Promise<void>;
}

/**
 * Starts a real Vigil on 127.0.0.1 and a free port, quiet and fast (100 ms
 * interval, no disk usage). Callers stop it in afterEach/afterAll or finally.
 */
export async function startVigil(overrides: ConfigInput = {}, deps: VigilDeps = {}): Promise<Running> {
  const config = parseConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', interval: 100, diskUsageInterval: 0, dataDir: '', ...overrides });
  const vigil = createVigil(config, deps);
  await vigil.start();
  return { vigil, url: vigil.url, stop: () => vigil.stop() };
}
