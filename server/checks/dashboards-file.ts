import { readFileSync } from 'node:fs';
import { type DashboardsFile, parseDashboards } from '../../shared/dashboards.js';
import { DEFAULT_DASHBOARDS } from '../../shared/default-dashboards.js';

/** A dashboards file that cannot be used; the message is one line naming the file, the path inside it and what was expected. */
export class DashboardsError extends Error {}

/** Files past this are refused before parsing (a dashboards file is a few KB). */
const MAX_BYTES = 4 << 20;

/** The dashboards of `path`, or the built-in ones when there is none. Throws DashboardsError. */
export function loadDashboards(path: string | undefined): DashboardsFile {
  if (!path) return DEFAULT_DASHBOARDS;
  const where = `dashboards file ${path}`;
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > MAX_BYTES) throw new DashboardsError(`${where}: larger than ${MAX_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof DashboardsError) throw err;
    throw new DashboardsError(`${where}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DashboardsError(`${where}: not JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const r = parseDashboards(json);
  if (!r.ok) throw new DashboardsError(`${where}: ${r.error}`);
  return r.value;
}

/** Reads `path` again into `checks`; on a bad file the old dashboards stay and the reason is returned. */
export function reloadDashboards(checks: { reload(file: DashboardsFile): void }, path: string | undefined): { ok: true } | { ok: false; error: string } {
  try {
    checks.reload(loadDashboards(path));
    return { ok: true };
  } catch (err) {
    if (err instanceof DashboardsError) return { ok: false, error: err.message };
    throw err;
  }
}
