/**
 * vitest globalSetup: starts the engines (DynamoDB Local + fauxqs, in memory) once per run, shared
 * by every project that lists this setup; hands their coordinates to test files through
 * `inject('engines')` and the environment, and stops them (verifying the Java process is gone)
 * when the last of those projects tears down.
 */
import type { TestProject } from 'vitest/node';
import { startEngines, type EngineEndpoints, type ResourceCoordinates } from '../../local/engines.js';

type Engines = Awaited<ReturnType<typeof startEngines>>;

export interface ProvidedEngines extends EngineEndpoints {
  /** The default resources (tests normally create their own with `testEngines()`). */
  names: ResourceCoordinates;
  dynamoPid: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    engines: ProvidedEngines;
  }
}

/** Environment variables carrying the same coordinates (for child processes such as local mode). */
export const ENGINE_ENV = {
  dynamoEndpoint: 'HOOKLINE_TEST_DYNAMO_ENDPOINT',
  sqsEndpoint: 'HOOKLINE_TEST_SQS_ENDPOINT',
} as const;

/** One pair per run, whichever projects ask for it (vitest runs each project's global setup). */
interface SharedRun {
  engines: Promise<Engines>;
  users: number;
}
const RUN_KEY = Symbol.for('hookline.test.engines');
const registry = globalThis as { [RUN_KEY]?: SharedRun };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Generous: on a loaded 2-core machine the JVM alone can take half a minute.
  const run = (registry[RUN_KEY] ??= { engines: startEngines({ memory: true, readyTimeoutMs: 120_000 }), users: 0 });
  run.users += 1;
  const engines = await run.engines;
  const { stop, ...coordinates } = engines;
  project.provide('engines', coordinates);
  process.env[ENGINE_ENV.dynamoEndpoint] = engines.dynamoEndpoint;
  process.env[ENGINE_ENV.sqsEndpoint] = engines.sqsEndpoint;
  return async () => {
    run.users -= 1;
    if (run.users > 0) return;
    delete registry[RUN_KEY];
    await stop();
  };
}
