import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Binary {
  /** Absolute path, or null when the binary is missing (only off CI). */
  path: string | null;
  /** Why tests needing it are skipped; null when present. */
  skip: string | null;
}

const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin'];

/**
 * Finds a system binary a test needs. On CI (CI=true) a missing binary throws at
 * collection, so the file fails loudly with the install command; on a laptop the
 * caller skips with the same message (`describe.skipIf(!bin.path)`).
 */
export function requireBinary(name: string, install: string, candidates: string[] = []): Binary {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SEARCH];
  for (const p of [...candidates, ...dirs.map((d) => join(d, name))]) {
    try {
      accessSync(p, constants.X_OK);
      return { path: p, skip: null };
    } catch {
      /* try the next place */
    }
  }
  const message = `${name} is not installed; install it with: ${install}`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(message);
  console.warn(`skipping: ${message}`);
  return { path: null, skip: message };
}
