import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the cluster tests have their own command (npm run test:cluster); test/cluster/unit/ runs here
    exclude: ['test/cluster/*.test.ts', 'node_modules/**'],
    // builds build/cli.js and the validators when stale (npm test has just done it: then it is a no-op)
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
