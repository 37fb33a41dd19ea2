import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { bundleBudget } from './scripts/bundle-budget.js';

// The page is static and uses relative URLs only (base './'), so it works
// under any path prefix (/status/, an iframe, a mounted router).
export default defineConfig({
  root: 'web',
  base: './',
  plugins: [preact(), bundleBudget(40)],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // Vite's gzip column (kB of 1000 B, per file) read like a second budget; the
    // bundle-budget line after the build is the one figure that counts.
    reportCompressedSize: false,
    target: 'es2022',
    // Every browser that runs es2022 modules knows <link rel="modulepreload">.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
