import { defineConfig } from 'vitest/config';

// The engines' global setup runs in this process: the same Node 20 notice (see `env` below).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
    // Node 20 is supported with the pinned SDK; its future-support notice would repeat in every file.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
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
