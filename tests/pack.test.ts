import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

let dir: string;
let tgz: string;
let files: string[];

/**
 * The package as a user gets it: `npm pack` (the test command has built dist/
 * already, so scripts are skipped here; prepack builds for a real pack), then
 * a clean install of the tarball in a temp project.
 */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 << 20 });
  const info = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tgz = join(dir, info[0].filename);
  files = info[0].files.map((f) => f.path);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'vigil-pack-check', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', tgz], { cwd: dir, maxBuffer: 16 << 20 });
}, 240_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('builds on prepack, so a pack from a clean checkout is never empty', () => {
    expect(pkg.scripts.prepack).toMatch(/\bnpm run build\b/);
  });

  it('ships the server, the shared schemas and the built page, and no tests, sources or scripts', () => {
    for (const f of ['package.json', 'dist/server/main.js', 'dist/server/index.js', 'dist/server/index.d.ts', 'dist/shared/index.js', 'dist/web/index.html']) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => /^dist\/web\/assets\/.+\.js$/.test(f))).toBe(true);
    const unwanted = files.filter((f) => /(^|\/)tests?\/|\.test\.|^(server|shared|web|scripts|docs)\/|\.ts$(?<!\.d\.ts)|\.map$/.test(f));
    expect(unwanted).toEqual([]);
  });

  it('ships every module that a shipped module imports by relative path', async () => {
    const missing: string[] = [];
    for (const f of files.filter((p) => p.startsWith('dist/') && p.endsWith('.js') && !p.startsWith('dist/web/'))) {
      const src = await readFile(join(ROOT, f), 'utf8');
      for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = normalize(join(dirname(f), m[1])).split('\\').join('/');
        if (!files.includes(target)) missing.push(`${f} -> ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('runs `npx vigil --help` from the installed tarball: exit 0 and the usage', async () => {
    expect(pkg.bin.vigil).toBe('dist/server/main.js');
    const { stdout } = await run('npx', ['--no-install', 'vigil', '--help'], { cwd: dir });
    expect(stdout).toMatch(/^Usage: vigil \[options\]/);
    expect(stdout).toContain('--port');
    const main = await readFile(join(dir, 'node_modules', pkg.name, 'dist/server/main.js'), 'utf8');
    expect(main.startsWith('#!/usr/bin/env -S node --max-semi-space-size=1\n')).toBe(true);
  });

  it('starts node with the same flags from the bin, npm start, the Dockerfile and the benchmarks', async () => {
    const flags = '--max-semi-space-size=1';
    expect(pkg.scripts.start).toContain(`node ${flags} dist/server/main.js`);
    expect(await readFile(join(ROOT, 'Dockerfile'), 'utf8')).toContain(`CMD ["node", "${flags}", "dist/server/main.js"]`);
    expect((await readFile(join(ROOT, 'server/main.ts'), 'utf8')).split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    const { VIGIL_NODE_FLAGS } = await import('../scripts/bench/targets.js');
    expect(VIGIL_NODE_FLAGS).toEqual([flags]);
  });

  it('imports createVigil from `vigil` in an ESM script and serves health and the page from the installed copy', async () => {
    const script = `
      import { createVigil, parseConfig } from 'vigil';
      if (typeof createVigil !== 'function') throw new Error('createVigil is ' + typeof createVigil);
      const v = createVigil(parseConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', diskUsageInterval: 0 }));
      await v.start();
      try {
        const health = await fetch(v.url + '/healthz');
        const page = await fetch(v.url + '/');
        console.log(JSON.stringify({ health: health.status, page: page.status, html: (await page.text()).includes('<script') }));
      } finally {
        await v.stop();
      }
    `;
    await writeFile(join(dir, 'check.mjs'), script);
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: dir, timeout: 30_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ health: 200, page: 200, html: true });
  });
});

describe('the README that ships with the package', () => {
  it('documents every setting with its flag, env variable and default, as server/config.ts defines them', async () => {
    const { SETTINGS } = await import('../server/config.js');
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const rows = new Map<string, string[]>();
    for (const line of readme.split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      const flag = /^`(--[a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
      if (flag) rows.set(flag, cells.slice(1, -1));
    }
    const problems: string[] = [];
    for (const [key, s] of Object.entries(SETTINGS)) {
      const flag = '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
      const row = rows.get(flag);
      if (!row) {
        problems.push(`${flag}: no row`);
        continue;
      }
      if (row[1] !== '`' + s.env + '`') problems.push(`${flag}: env is ${row[1]}, expected \`${s.env}\``);
      const d = (s.schema as { safeParse: (v: unknown) => { success: boolean; data?: unknown } }).safeParse(undefined);
      // A default is plain text in the table; markdown escapes (`\*` for a glob's star) read as the character.
      if (d.success && d.data !== undefined && row[2].replace(/\\([*_`|])/g, '$1') !== String(d.data)) problems.push(`${flag}: default is ${row[2]}, expected ${String(d.data)}`);
    }
    expect(problems).toEqual([]);
  });
});
