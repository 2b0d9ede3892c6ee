import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration and end-to-end tests share one set of local AWS servers started once per run.
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/local-aws.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
