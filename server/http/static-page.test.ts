import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPageDir } from './static-page.js';

describe('findPageDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-page-'));
  for (const d of ['web', 'dist/web', 'dist/server', 'server']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'web/index.html'), 'unbuilt source');

  it('finds nothing rather than serving the unbuilt page source', () => {
    expect(findPageDir(join(root, 'server'))).toBeNull();
  });

  it('finds dist/web from the compiled server and from the sources once built', () => {
    writeFileSync(join(root, 'dist/web/index.html'), 'built');
    expect(findPageDir(join(root, 'dist/server'))).toBe(join(root, 'dist/web'));
    expect(findPageDir(join(root, 'server'))).toBe(join(root, 'dist/web'));
  });
});
