import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the cluster tests have their own command (npm run test:cluster); test/cluster/unit/ runs here
    exclude: ['test/cluster/*.test.ts', 'node_modules/**'],
    // the first run compiles the schema validators into node_modules/.cache (a few seconds)
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
