import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stackNameFromContext } from '../../lib/app.js';
import { contextProblems } from '../../lib/context-check.js';
import { PROJECT_ROOT } from '../../local/local-process.js';

const problems = (context: Record<string, unknown>) => contextProblems(context, stackNameFromContext);

describe('context check (issue 20 item 8)', () => {
  it('refuses an unknown key, suggesting the nearest known one', () => {
    expect(problems({ workerConcurency: '20' })).toEqual([
      'Unknown context key "workerConcurency": did you mean "workerConcurrency"? (known: see lib/props.ts)',
    ]);
    expect(problems({ colour: 'blue' })).toEqual(['Unknown context key "colour" (known: see lib/props.ts)']);
  });

  it("leaves the CDK's own keys (feature flags, aws:cdk settings) alone", () => {
    expect(problems({ '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:bundling-stacks': [], workerConcurrency: '20' })).toEqual([]);
  });

  it('reports every bad value, one line each, cross-option rules included', () => {
    expect(problems({ workerConcurrency: 'x', maxPayloadBytes: '5', archiveExpiryDays: '10', stackName: '1bad' })).toEqual([
      'Invalid stack property "stackName": must start with a letter and contain only letters, digits and hyphens (at most 56), got "1bad"',
      'Invalid stack property "workerConcurrency": must be an integer, got "x"',
      'Invalid stack property "archiveExpiryDays": must be greater than archiveTransitionDays (30), got 10',
      'Invalid stack property "maxPayloadBytes": must be an integer from 1024 to 1048576, got 5',
    ]);
  });

  it('accepts options that are only valid together', () => {
    expect(problems({ workerBatchSize: '100', workerBatchingWindowSeconds: '1', archiveTransitionDays: '40', archiveExpiryDays: '50' })).toEqual([]);
  });

  it('the CDK app prints those lines and exits 1, with no stack trace', () => {
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync('npx', ['tsx', 'bin/hookline.ts'], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        stdio: 'pipe',
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ workerConcurency: '5', maxPayloadBytes: 'x' }), CDK_OUTDIR: '/tmp/hookline-context-check' },
      });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr.trim().split('\n')).toEqual([
      'Unknown context key "workerConcurency": did you mean "workerConcurrency"? (known: see lib/props.ts)',
      'Invalid stack property "maxPayloadBytes": must be an integer, got "x"',
    ]);
  });
});
