import { defineConfig } from 'vitest/config';

// npm run test:cluster: the bundled instances on a real control plane (test/cluster/harness.ts)
export default defineConfig({
  test: {
    include: ['test/cluster/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    // one control plane at a time per process (test/cluster/run.sh runs a second process beside this one)
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
