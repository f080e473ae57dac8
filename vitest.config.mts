import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the cluster tests and the packed package have their own commands (npm run test:cluster, npm run test:package);
    // test/cluster/unit/ runs here
    exclude: ['test/cluster/*.test.ts', 'test/package/**', 'test/library/**', 'node_modules/**'],
    // builds build/cli.js and the validators when stale (npm test has just done it: then it is a no-op)
    globalSetup: ['test/global-setup.ts'],
    // one module registry per worker, not per file: re-importing cdk8s and the sources into a fresh registry for
    // each of ~45 files (and warming the JIT again) was most of the suite's CPU time. No source module keeps state a
    // test could see except caches of pure results (validators) and compiledAtRunTime, read as a difference.
    isolate: false,
    // vitest's default leaves one core idle (2 cores: one worker); the CLI subprocesses the tests start share them
    maxWorkers: availableParallelism(),
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
