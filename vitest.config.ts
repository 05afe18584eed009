import { defineConfig } from 'vitest/config';

const ENGINE_SETUP = ['test/support/global-setup.ts'];
/** Measures retry start times to tens of milliseconds: runs alone, once everything else is done. */
const TIMING_TESTS = ['test/e2e/retries.test.ts'];

/**
 * Pure unit and infra tests run without engines; integration and e2e tests share one DynamoDB
 * Local + fauxqs pair, started once per run by the global setup; the timing suite follows.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'engines',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: TIMING_TESTS,
          globalSetup: ENGINE_SETUP,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'timing', include: TIMING_TESTS, globalSetup: ENGINE_SETUP, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
