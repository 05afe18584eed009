/**
 * The CDK app's wiring, shared by bin/hookline.ts and the infra tests so both build exactly the
 * same thing: stack name and options from context (`cdk -c key=value` or cdk.json), one
 * HooklineStack, and cdk-nag's AwsSolutions pack on the whole app.
 */
import type { App, Environment } from 'aws-cdk-lib';
import type { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidStackPropError } from './errors.js';
import { HooklineStack } from './hookline-stack.js';
import { contextProblems, InvalidContextError } from './context-check.js';
import { applyNagChecks } from './nag.js';
import { settingsFromContext } from './props.js';

export const DEFAULT_STACK_NAME = 'Hookline';

/** A CloudFormation stack name, short enough that the schedule group `<name>-retries` fits Scheduler's 64 characters. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,55}$/;

export function stackNameFromContext(get: (key: string) => unknown): string {
  const raw = get('stackName') ?? DEFAULT_STACK_NAME;
  if (typeof raw !== 'string' || !STACK_NAME.test(raw)) {
    throw new InvalidStackPropError(
      'stackName',
      `must start with a letter and contain only letters, digits and hyphens (at most 56), got ${JSON.stringify(raw)}`,
    );
  }
  return raw;
}

export interface HooklineApp {
  readonly stack: HooklineStack;
  readonly nag: AwsSolutionsChecks;
}

/**
 * Adds the Hookline stack to `app` and registers the nag pack: any unacknowledged finding
 * (error or warning) then makes `app.synth()` throw, so `cdk synth` exits non-zero.
 * `env` stays unset (environment-agnostic, no lookups) unless both account and region are known.
 */
export function defineHooklineApp(app: App, env: Partial<Environment> = {}): HooklineApp {
  const get = (key: string): unknown => app.node.tryGetContext(key);
  const problems = contextProblems(app.node.getAllContext(), stackNameFromContext);
  if (problems.length > 0) throw new InvalidContextError(problems);
  const stack = new HooklineStack(app, stackNameFromContext(get), {
    ...settingsFromContext(get),
    ...(env.account && env.region ? { env: { account: env.account, region: env.region } } : {}),
  });
  return { stack, nag: applyNagChecks(app) };
}
