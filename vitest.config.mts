import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the cluster tests and the packed package have their own commands (npm run test:cluster, npm run test:package);
    // test/cluster/unit/ runs here
    exclude: ['test/cluster/*.test.ts', 'test/package/**', 'test/library/**', 'node_modules/**'],
    // builds build/cli.js and the validators when stale (npm test has just done it: then it is a no-op)
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
