/**
 * Building and synthesizing the real Hookline app for the infra tests (loaded only when
 * support.ts has no cached result, or by tests that construct apps themselves).
 * Handlers are not bundled: these tests assert configuration, not code.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { defineHooklineApp } from '../../lib/app.js';
import type { HooklineStack } from '../../lib/hookline-stack.js';
import type { Finding, SynthResult } from './support.js';

/** The context block of cdk.json (feature flags), so tests build what `cdk synth` builds. */
export function cdkContext(): Record<string, unknown> {
  const cdkJson = new URL('../../cdk.json', import.meta.url);
  return (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context: Record<string, unknown> }).context;
}

/** Every app's output directory lives under one per-process directory; call `removeAppDirs` in `afterAll`. */
let outRoot: string | undefined;
function outdir(): string {
  outRoot ??= mkdtempSync(join(tmpdir(), 'hookline-cdk-'));
  return mkdtempSync(join(outRoot, 'app-'));
}

export function removeAppDirs(): void {
  if (outRoot !== undefined) rmSync(outRoot, { recursive: true, force: true });
  outRoot = undefined;
}

/** An App like the CLI's (cdk.json flags plus `extra` context, as `-c` would pass it) that skips bundling. */
export function newApp(extra: Record<string, unknown> = {}): App {
  return new App({ outdir: outdir(), context: { ...cdkContext(), ...extra, 'aws:cdk:bundling-stacks': [] } });
}

/** Two findings for the `unsafe` variant: one acknowledged, the others not. */
export function addUnsafeResources(stack: HooklineStack): void {
  const queue = new sqs.Queue(stack, 'UnsafeQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'Probe: this finding is acknowledged.' });
  stack.receiver.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: ['*'] }));
}

/** Builds the app exactly as bin/hookline.ts does, synthesizes it, and records what the tests read. */
export function synthesize(context: Record<string, string>, tamper?: (stack: HooklineStack) => void): SynthResult {
  const app = newApp(context);
  const { stack, nag } = defineHooklineApp(app);
  tamper?.(stack);
  let synthError: string | undefined;
  try {
    app.synth();
  } catch (error) {
    synthError = String(error);
  }
  // Templates are written before validation runs, so they exist even when nag made synth throw.
  const template = JSON.parse(readFileSync(join(app.outdir, stack.templateFile), 'utf8')) as SynthResult['template'];
  const below = (c: IConstruct) => c.node.path.slice(stack.node.path.length + 1);

  const logicalIds: Record<string, string> = {};
  const annotations: SynthResult['annotations'] = [];
  const acknowledgements: Finding[] = [];
  for (const construct of app.node.findAll()) {
    if (CfnElement.isCfnElement(construct) && Stack.of(construct) === stack) {
      logicalIds[below(construct)] = stack.getLogicalId(construct);
    }
    for (const entry of construct.node.metadata) {
      if (entry.type === 'aws:cdk:error' || entry.type === 'aws:cdk:warning') {
        const level = entry.type === 'aws:cdk:error' ? 'error' : 'warning';
        annotations.push({ level, path: construct.node.path, id: '', text: String(entry.data) });
      }
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledgements.push({ path: below(construct), id: id.replace(/^annotation::/i, ''), text: reason });
        }
      }
    }
  }
  const report = nag.validateScope(app);
  rmSync(app.outdir, { recursive: true, force: true });
  if (outRoot !== undefined && readdirSync(outRoot).length === 0) removeAppDirs();
  return {
    stackName: stack.stackName,
    template,
    logicalIds,
    ...(synthError !== undefined && { synthError }),
    nagViolations: report.violations.map((v) => ({
      ruleName: v.ruleName,
      severity: v.severity ?? 'error',
      paths: v.violatingResources.map((r) => r.constructPath ?? '?'),
    })),
    annotations,
    acknowledgements,
  };
}
