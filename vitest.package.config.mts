import { defineConfig } from 'vitest/config';

// The packed package as users get it (npm pack, offline install in a temporary project): npm run test:package.
// Packing runs tsc for the declarations, so these stay out of `npm test`.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts', 'test/library/**/*.test.ts'],
    // each file packs: two packs at once would build into the same build/
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
