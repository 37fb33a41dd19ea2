import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** The package a module id belongs to, or "page" for our own code. */
function owner(id: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id);
  return m ? m[1] : id.includes('/shared/') ? 'shared' : 'page';
}

/**
 * Prints the page's total JavaScript, raw and gzip, against a budget after
 * `vite build`, with each package's share of the rendered code. It reports,
 * it does not fail the build: the number is for people reading the build log.
 */
export function bundleBudget(budgetKiB = 40): Plugin {
  let line = '';
  return {
    name: 'vigil-bundle-budget',
    apply: 'build',
    generateBundle(_opts, bundle) {
      let raw = 0;
      let gz = 0;
      const parts = new Map<string, number>();
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue;
        raw += Buffer.byteLength(file.code);
        gz += gzipSync(file.code, { level: 9 }).length;
        for (const [id, m] of Object.entries(file.modules ?? {})) parts.set(owner(id), (parts.get(owner(id)) ?? 0) + m.renderedLength);
      }
      const total = [...parts.values()].reduce((a, b) => a + b, 0) || 1;
      const shares = [...parts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${Math.round((100 * v) / total)}%`);
      const kib = (n: number) => (n / 1024).toFixed(1);
      const verdict = gz <= budgetKiB * 1024 ? 'within' : 'OVER';
      line = `page JS budget: ${kib(gz)} KiB gzip of ${budgetKiB} KiB (${verdict}; all chunks, gzip -9, 1 KiB = 1024 B; ${kib(raw)} KiB before gzip); rendered code by package: ${shares.join(', ')}`;
    },
    closeBundle() {
      // eslint-disable-next-line no-console
      if (line) console.log(line);
    },
  };
}
