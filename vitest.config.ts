import { defineConfig } from 'vitest/config';

// VITEST_JSON=path adds a JSON report (CI counts passed/failed from it).
const json = process.env.VITEST_JSON;

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'shared/**/*.test.ts', 'web/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start servers, browsers, nginx and Redis; this machine has two cores.
    maxWorkers: 2,
    reporters: json ? ['default', ['json', { outputFile: json }]] : ['default'],
  },
});
