#!/usr/bin/env node
/**
 * The CDK app: one HooklineStack, options from context (`npx cdk deploy -c alertEmail=ops@example.com
 * -c workerConcurrency=20`, see lib/props.ts), checked by cdk-nag's AwsSolutions pack. Any
 * unacknowledged finding (error or warning) makes synth throw, so `cdk synth` exits non-zero.
 * No lookups: synth works offline without credentials; the environment comes from CDK_DEFAULT_*
 * when the CLI knows it.
 */
import { App } from 'aws-cdk-lib';
import { defineHooklineApp } from '../lib/app.js';
import { InvalidContextError } from '../lib/context-check.js';

const app = new App();
try {
  defineHooklineApp(app, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });
} catch (error) {
  // A bad `-c` value is the operator's to fix: one line each, no stack trace.
  if (!(error instanceof InvalidContextError)) throw error;
  process.stderr.write(`${error.lines.join('\n')}\n`);
  process.exit(1);
}
app.synth();
