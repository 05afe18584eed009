/** cdk-nag's AwsSolutions pack over the real app: clean, every acknowledgement reviewed, and it does stop synth. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STACK_NAME, defineHooklineApp, stackNameFromContext } from '../../lib/app.js';
import { InvalidStackPropError } from '../../lib/errors.js';
import { API_ROUTES } from '../../lambdas/handlers/api/routes.js';
import { newApp, removeAppDirs } from './cdk-app.js';
import { synthesized, type SynthResult, SYNTH_TIMEOUT_MS } from './support.js';

let configured: SynthResult;
let defaults: SynthResult;
let unsafe: SynthResult;

beforeAll(async () => {
  [configured, defaults, unsafe] = await Promise.all([synthesized('configured'), synthesized('defaults'), synthesized('unsafe')]);
}, SYNTH_TIMEOUT_MS);
afterAll(removeAppDirs);

/**
 * Every acknowledged finding, reviewed. A new acknowledgement (or one moved to another
 * construct) fails here until it is added with its justification checked.
 */
const REVIEWED: [path: string, id: string][] = [
  ['Archive/AccessLogBucket', 'AwsSolutions-S1'],
  ['Archive/FirehoseRole', 'AwsSolutions-IAM5[Resource::<ArchiveBucket49F1AC64.Arn>/attempts/*]'],
  ['Archive/FirehoseRole', 'AwsSolutions-IAM5[Resource::<ArchiveBucket49F1AC64.Arn>/attempt-errors/*]'],
  ['Delivery/SchedulerDeadLetterQueue', 'AwsSolutions-SQS3'],
  ...(['Receiver', 'Admin', 'Delivery/Worker'].flatMap((fn) => [
    [`${fn}/Tracing`, 'AwsSolutions-IAM5[Resource::*]'],
  ]) as [string, string][]),
  ...(['Receiver/Role', 'Admin/Role', 'Delivery/Worker/Role'].map((role) => [
    role,
    'AwsSolutions-IAM5[Resource::<ArchiveBucket49F1AC64.Arn>/payloads/*]',
  ]) as [string, string][]),
  ...(['Admin/Role', 'Delivery/Worker/Role'].map((role) => [role, 'AwsSolutions-IAM5[Resource::<StoreTable0CCFA19B.Arn>/index/*]']) as [
    string,
    string,
  ][]),
  ['Delivery/Worker/Role', 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/Hookline-retries/*]'],
  // The API callers' policies: each allowed route (any stage; `{param}` → `*`) of this API only.
  ...([
    ['ProducerPolicy', ['producer']],
    ['ReadOnlyPolicy', ['read']],
    ['OperatorPolicy', ['producer', 'operator', 'read']],
  ] as const).flatMap(([policy, classes]) =>
    API_ROUTES.filter((r) => (classes as readonly string[]).includes(r.access)).map((r): [string, string] => [
      `ApiPolicies/${policy}`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<ApiHttpApi4C294DC0>/*/${r.method}${r.path.replace(/\{[^}]+\}/g, '*')}]`,
    ]),
  ),
];

describe.each([
  ['configured', () => configured],
  ['defaults', () => defaults],
] as const)('the Hookline app (%s)', (_, result) => {
  it('synthesizes with no unacknowledged AwsSolutions finding, error or warning', () => {
    expect(result().nagViolations).toEqual([]);
    expect(result().synthError).toBeUndefined();
  });

  it('carries no error or warning annotation', () => {
    expect(result().annotations).toEqual([]);
  });

  it('acknowledges exactly the reviewed findings, each with a reason', () => {
    const acknowledged = result().acknowledgements.map((a) => [a.path, a.id]);
    expect(acknowledged.map((a) => a.join(' ')).sort()).toEqual(REVIEWED.map((a) => a.join(' ')).sort());
    for (const { path, id, text } of result().acknowledgements) {
      expect([path, id, text.length >= 30]).toEqual([path, id, true]);
    }
  });
});

describe('nag stops synth', () => {
  it('fails synth on an unacknowledged finding added to the real app, and honours acknowledgements', () => {
    expect(unsafe.synthError).toMatch(/^ValidationFailed/);
    expect(unsafe.synthError).toContain('AwsSolutions-SQS4');
    const found = unsafe.nagViolations.flatMap((v) => v.paths.map((p) => `${v.ruleName} ${p}`)).sort();
    expect(found).toEqual(
      [
        'AwsSolutions-IAM5[Resource::*] Hookline/Receiver/Role/DefaultPolicy/Resource',
        'AwsSolutions-SQS2 Hookline/UnsafeQueue/Resource',
        'AwsSolutions-SQS4 Hookline/UnsafeQueue/Resource',
      ].sort(),
    );
    // SQS3 is acknowledged on the probe queue, so it is not reported; the X-Ray acknowledgement
    // (on its own policy) does not hide a data action on "*" in the role's default policy.
    expect(found.some((f) => f.startsWith('AwsSolutions-SQS3'))).toBe(false);
  });
});

describe('app wiring (bin/hookline.ts)', () => {
  it('names the stack from -c stackName, default Hookline, and derives the schedule group from it', () => {
    expect(stackNameFromContext(() => undefined)).toBe(DEFAULT_STACK_NAME);
    const { stack } = defineHooklineApp(newApp({ stackName: 'HooksStaging' }));
    expect(stack.stackName).toBe('HooksStaging');
    expect(stack.delivery.scheduleGroupName).toBe('HooksStaging-retries');
  });

  it.each(['1abc', 'has_underscore', 'x'.repeat(57), ''])('refuses stackName %j', (name) => {
    expect(() => stackNameFromContext(() => name)).toThrowError(InvalidStackPropError);
  });

  it('reads the options from context strings and refuses a bad one naming it', () => {
    expect(() => defineHooklineApp(newApp({ workerConcurrency: 'lots' }))).toThrowError(/"workerConcurrency"/);
  });

  it('stays environment-agnostic unless account and region are both known', () => {
    const agnostic = defineHooklineApp(newApp(), { account: '123456789012' }).stack;
    expect(agnostic.environment).toBe('aws://unknown-account/unknown-region');
    const pinned = defineHooklineApp(newApp(), { account: '123456789012', region: 'eu-west-1' }).stack;
    expect(pinned.environment).toBe('aws://123456789012/eu-west-1');
  });
});
