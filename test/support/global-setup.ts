/**
 * vitest globalSetup: starts the engines (DynamoDB Local + fauxqs, in memory) once per run,
 * hands their coordinates to test files through `inject('engines')` and the environment, and
 * stops them (verifying the Java process is gone) at teardown.
 */
import type { TestProject } from 'vitest/node';
import { startEngines, type EngineEndpoints, type ResourceCoordinates } from '../../local/engines.js';

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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Generous: on a loaded 2-core machine the JVM alone can take half a minute.
  const engines = await startEngines({ memory: true, readyTimeoutMs: 120_000 });
  const { stop, ...coordinates } = engines;
  project.provide('engines', coordinates);
  process.env[ENGINE_ENV.dynamoEndpoint] = engines.dynamoEndpoint;
  process.env[ENGINE_ENV.sqsEndpoint] = engines.sqsEndpoint;
  return async () => {
    await stop();
  };
}
