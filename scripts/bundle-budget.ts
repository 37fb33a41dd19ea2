import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** The package a module id belongs to, or "page" for our own code. */
function owner(id: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id);
  return m ? m[1] : id.includes('/shared/') ? 'shared' : 'page';
}

interface ChunkLike {
  type: 'chunk';
  fileName: string;
  code: string;
  isEntry: boolean;
  imports: string[];
  modules: Record<string, { renderedLength: number }>;
}

/**
 * Prints the page's JavaScript, gzip, against a budget after `vite build`:
 * what the first paint loads (the entry chunk and every chunk it imports
 * statically, i.e. what index.html's script and modulepreload links fetch) and,
 * apart, the chunks loaded only on demand (`?view=status`). The budget is
 * judged on the first paint; each package's share of the rendered code is
 * given for it. It reports, it does not fail the build. With
 * VIGIL_BUNDLE_DETAIL=1 it also lists each module's rendered size.
 */
export function bundleBudget(budgetKiB = 40): Plugin {
  let lines: string[] = [];
  return {
    name: 'vigil-bundle-budget',
    apply: 'build',
    generateBundle(_opts, bundle) {
      const chunks = new Map<string, ChunkLike>();
      for (const file of Object.values(bundle)) if (file.type === 'chunk') chunks.set(file.fileName, file as unknown as ChunkLike);
      const first = new Set<string>();
      const visit = (name: string) => {
        if (first.has(name) || !chunks.has(name)) return;
        first.add(name);
        for (const i of chunks.get(name)!.imports) visit(i);
      };
      for (const c of chunks.values()) if (c.isEntry) visit(c.fileName);

      const kib = (n: number) => (n / 1024).toFixed(1);
      const gz = (c: ChunkLike) => gzipSync(c.code, { level: 9 }).length;
      let firstGz = 0;
      let firstRaw = 0;
      let lazyGz = 0;
      const lazy: string[] = [];
      const parts = new Map<string, number>();
      const detail: Array<[number, string]> = [];
      for (const c of chunks.values()) {
        if (first.has(c.fileName)) {
          firstGz += gz(c);
          firstRaw += Buffer.byteLength(c.code);
          for (const [id, m] of Object.entries(c.modules)) parts.set(owner(id), (parts.get(owner(id)) ?? 0) + m.renderedLength);
        } else {
          lazyGz += gz(c);
          lazy.push(`${c.fileName.replace(/^assets\//, '')} ${kib(gz(c))} KiB`);
        }
        for (const [id, m] of Object.entries(c.modules)) detail.push([m.renderedLength, `${first.has(c.fileName) ? 'first' : 'lazy '} ${id.replace(/.*node_modules\//, '').replace(/^.*?\/(web|shared)\//, '$1/')}`]);
      }
      const total = [...parts.values()].reduce((a, b) => a + b, 0) || 1;
      const shares = [...parts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${Math.round((100 * v) / total)}%`);
      const verdict = firstGz <= budgetKiB * 1024 ? 'within' : 'OVER';
      lines = [
        `page JS budget: first paint ${kib(firstGz)} KiB gzip of ${budgetKiB} KiB (${verdict}; ${first.size} chunk${first.size === 1 ? '' : 's'}, gzip -9, 1 KiB = 1024 B; ${kib(firstRaw)} KiB before gzip); ` +
          `all chunks ${kib(firstGz + lazyGz)} KiB gzip${lazy.length ? ` (on demand: ${lazy.join(', ')})` : ''}; first paint's rendered code by package: ${shares.join(', ')}`,
      ];
      if (process.env.VIGIL_BUNDLE_DETAIL) for (const [n, id] of detail.sort((a, b) => b[0] - a[0])) lines.push(`${String(n).padStart(8)} ${id}`);
    },
    closeBundle() {
      // eslint-disable-next-line no-console
      for (const l of lines) console.log(l);
    },
  };
}
