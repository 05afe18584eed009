/**
 * Least privilege, read from the synthesized template: every role's complete permission set is
 * spelled out here, so any added action or widened resource fails a test and gets reviewed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES as ROUTES } from '../../lambdas/handlers/api/routes.js';
import { asArray, identityStatements, loadSynth, rolePermissions, type Statement, type Synth, SYNTH_TIMEOUT_MS } from './support.js';

let synth: Synth;

beforeAll(async () => {
  synth = await loadSynth('configured');
}, SYNTH_TIMEOUT_MS);

const ROLES = {
  receiver: 'Receiver/Role',
  admin: 'Admin/Role',
  worker: 'Delivery/Worker/Role',
  scheduler: 'Delivery/SchedulerRole',
  firehose: 'Archive/FirehoseRole',
  subscription: 'Archive/SubscriptionRole',
} as const;

const TABLE_ITEM_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:TransactWriteItems',
  'dynamodb:UpdateItem',
];
// UpdateItem: the claim's queued mark and a failed intake's mark (intake-leading-keys.test records both).
const RECEIVER_TABLE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:TransactWriteItems', 'dynamodb:UpdateItem'];
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

/** JSON-encoded resource expressions, as rolePermissions() reports them. */
const j = (value: unknown) => JSON.stringify(value);
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

function expectPermissions(role: string, expected: Record<string, unknown[]>): void {
  const actual = Object.fromEntries(rolePermissions(synth, synth.id(role)));
  const wanted = Object.fromEntries(Object.entries(expected).map(([action, resources]) => [action, resources.map(j).sort()]));
  expect(actual).toEqual(wanted);
}

describe('function roles: exactly what each handler uses', () => {
  let r: Record<string, unknown>;
  beforeAll(() => {
    const schedules = join('arn:', { Ref: 'AWS::Partition' }, ':scheduler:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':schedule/Hookline-retries/*');
    r = {
      table: synth.getAtt('Store/Table'),
      indexes: join(synth.getAtt('Store/Table'), '/index/*'),
      queue: synth.getAtt('Delivery/Queue'),
      payloads: join(synth.getAtt('Archive/Bucket'), '/payloads/*'),
      schedules,
      schedulerRole: synth.getAtt('Delivery/SchedulerRole'),
      topic: synth.ref('Alerts/Topic'),
      topicKey: synth.getAtt('Alerts/Key'),
    };
  });
  const each = (actions: string[], resources: unknown[]) => Object.fromEntries(actions.map((a) => [a, resources]));
  const logs = (logGroup: string) => each(['logs:CreateLogStream', 'logs:PutLogEvents'], [synth.getAtt(logGroup)]);

  it('receiver: query routes, write messages and deliveries (no index), enqueue tasks, store large payloads', () => {
    expectPermissions(ROLES.receiver, {
      ...logs('Receiver/Logs'),
      ...each(XRAY, ['*']),
      ...each(RECEIVER_TABLE_ACTIONS, [r.table]),
      'sqs:SendMessage': [r.queue],
      's3:PutObject': [r.payloads],
    });
  });

  it('receiver: table access only to the key prefixes intake reads and writes (dynamodb:LeadingKeys)', () => {
    const statements = identityStatements(synth)
      .filter(({ owner, statement }) => owner === synth.id(ROLES.receiver) && asArray(statement.Action).some((a) => a.startsWith('dynamodb:')))
      .map(({ statement }) => statement);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ROUTE#*', 'FALLBACK#*', 'MSG#*', 'IDEM#*', 'DLV#*'] },
    });
  });

  it('admin: table read/write, enqueue, read large payloads; no scheduler action (a cancel only edits a bucket)', () => {
    expectPermissions(ROLES.admin, {
      ...logs('Admin/Logs'),
      ...each(XRAY, ['*']),
      ...each(TABLE_ITEM_ACTIONS, [r.table, r.indexes]),
      'dynamodb:ConditionCheckItem': [r.table],
      'sqs:SendMessage': [r.queue],
      's3:GetObject': [r.payloads],
    });
  });

  it('worker: table read/write, consume and send, create (never delete) retry schedules with the scheduler role, read payloads, alert', () => {
    expectPermissions(ROLES.worker, {
      ...logs('Archive/AttemptLogs'),
      ...each(XRAY, ['*']),
      ...each(TABLE_ITEM_ACTIONS, [r.table, r.indexes]),
      ...each(
        ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:SendMessage'],
        [r.queue],
      ),
      'scheduler:CreateSchedule': [r.schedules],
      'iam:PassRole': [r.schedulerRole],
      's3:GetObject': [r.payloads],
      'sns:Publish': [r.topic],
      'kms:Decrypt': [r.topicKey],
      'kms:GenerateDataKey': [r.topicKey],
    });
  });

  it('worker may pass the scheduler role to EventBridge Scheduler only', () => {
    const passRole = identityStatements(synth).filter((s) => asArray(s.statement.Action).includes('iam:PassRole'));
    expect(passRole).toEqual([
      {
        owner: synth.id(ROLES.worker),
        statement: expect.objectContaining({ Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } }),
      },
    ]);
  });

  it.each(['receiver', 'admin', 'worker'] as const)('%s role: assumable by Lambda only, no managed policies', (name) => {
    const role = synth.props(ROLES[name]);
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect((role.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });
});

describe('service roles', () => {
  it('scheduler role: only sqs:SendMessage, to the deliveries queue (and its own dead-letter queue)', () => {
    // Scheduler writes a failed invocation to the schedule's DLQ with this same role, so it needs that queue too.
    expectPermissions(ROLES.scheduler, {
      'sqs:SendMessage': [synth.getAtt('Delivery/Queue'), synth.getAtt('Delivery/SchedulerDeadLetterQueue')],
    });
  });

  it('Firehose role: list/locate the archive bucket, write its two prefixes, log delivery errors', () => {
    const bucket = synth.getAtt('Archive/Bucket');
    const logStream = expect.anything();
    const actual = Object.fromEntries(rolePermissions(synth, synth.id(ROLES.firehose)));
    expect(actual).toEqual({
      's3:GetBucketLocation': [j(bucket)],
      's3:ListBucket': [j(bucket)],
      's3:ListBucketMultipartUploads': [j(bucket)],
      ...Object.fromEntries(
        ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'].map((a) => [
          a,
          [j(join(bucket, '/attempt-errors/*')), j(join(bucket, '/attempts/*'))],
        ]),
      ),
      'logs:PutLogEvents': [logStream],
    });
    expect(actual['logs:PutLogEvents']![0]).toContain(j(synth.ref('Archive/FirehoseErrorStream')));
  });

  it('subscription role: put records into the attempt delivery stream only', () => {
    const stream = synth.getAtt('Archive/DeliveryStream');
    expectPermissions(ROLES.subscription, { 'firehose:PutRecord': [stream], 'firehose:PutRecordBatch': [stream] });
  });

  it('these six are all the roles, and none has a managed policy', () => {
    const roles = synth.ofType('AWS::IAM::Role');
    expect(Object.keys(roles).sort()).toEqual(Object.values(ROLES).map((p) => synth.id(p)).sort());
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(Object.keys(synth.ofType('AWS::IAM::User'))).toEqual([]);
  });
});

describe("API callers' managed policies (stack outputs, attached to nobody)", () => {
  const POLICIES = ['ProducerPolicy', 'OperatorPolicy', 'ReadOnlyPolicy'] as const;
  /** The execute-api ARN of one route of this API, any stage, as the template spells it. */
  const route = (resource: string) =>
    j(join('arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', synth.ref('Api/HttpApi'), `/*/${resource}`));
  const statements = (name: string) => (synth.props(`ApiPolicies/${name}`).PolicyDocument as { Statement: Statement[] }).Statement;
  const resources = (name: string, effect: 'Allow' | 'Deny') =>
    statements(name)
      .filter((s) => s.Effect === effect)
      .flatMap((s) => {
        expect(s.Action).toBe('execute-api:Invoke');
        return asArray(s.Resource).map(j);
      })
      .sort();

  it('are the only managed policies: three, each an output, none attached to a role, user or group', () => {
    const managed = synth.ofType('AWS::IAM::ManagedPolicy');
    expect(Object.keys(managed).sort()).toEqual(POLICIES.map((p) => synth.id(`ApiPolicies/${p}`)).sort());
    for (const policy of Object.values(managed)) {
      expect([policy.Properties.Roles, policy.Properties.Users, policy.Properties.Groups]).toEqual([undefined, undefined, undefined]);
    }
    for (const name of POLICIES) expect(synth.output(`${name}Arn`)?.Value).toEqual(synth.ref(`ApiPolicies/${name}`));
  });

  it('ProducerPolicy: POST /v1/events and POST /v1/events/batch, nothing else', () => {
    expect(resources('ProducerPolicy', 'Allow')).toEqual([route('POST/v1/events'), route('POST/v1/events/batch')].sort());
    expect(resources('ProducerPolicy', 'Deny')).toEqual([]);
  });

  it('ReadOnlyPolicy: the GET routes, with the signing secret denied (the id wildcard would match it)', () => {
    expect(resources('ReadOnlyPolicy', 'Allow')).toEqual(
      ['GET/v1/subscriptions', 'GET/v1/subscriptions/*', 'GET/v1/tenants/*/subscriptions', 'GET/v1/replays/*', 'GET/v1/messages/*', 'GET/v1/deliveries', 'GET/v1/deliveries/*'].map(route).sort(),
    );
    expect(resources('ReadOnlyPolicy', 'Deny')).toEqual([route('GET/v1/subscriptions/*/secret')]);
  });

  it('OperatorPolicy: every route of the registry, one by one (no `*` method or path)', () => {
    const every = ROUTES.map((r) => route(`${r.method}${r.path.replace(/\{[^}]+\}/g, '*')}`));
    expect(resources('OperatorPolicy', 'Allow')).toEqual([...new Set(every)].sort());
    expect(resources('OperatorPolicy', 'Deny')).toEqual([]);
  });

  it.each([
    ['ProducerPolicy', ['producer']],
    ['ReadOnlyPolicy', ['read']],
    ['OperatorPolicy', ['producer', 'read', 'operator']],
  ] as const)('%s lets a caller invoke exactly the routes of its access class (IAM matching on a sample id)', (name, classes) => {
    const arnOf = (value: unknown) => j(value).replace(/^.*?\/\*\/(.*)"\]\]\}$/, '$1');
    const patterns = (effect: string) => statements(name).filter((s) => s.Effect === effect).flatMap((s) => asArray(s.Resource).map(arnOf));
    const matches = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);
    const invokable = ROUTES.filter((r) => {
      const request = `${r.method}${r.path.replace(/\{[^}]+\}/g, 'sub_01J9')}`;
      return patterns('Allow').some((p) => matches(p, request)) && !patterns('Deny').some((p) => matches(p, request));
    });
    expect(invokable.map((r) => `${r.method} ${r.path}`)).toEqual(ROUTES.filter((r) => (classes as readonly string[]).includes(r.access)).map((r) => `${r.method} ${r.path}`));
  });
});

describe('no wildcards on data', () => {
  const isWildcardAction = (action: string) => action === '*' || action.includes('*');

  it('no identity statement allows a wildcard action (`*`, `service:*`, `service:Get*`)', () => {
    const offenders = identityStatements(synth)
      .filter(({ statement }) => statement.Effect === 'Allow' && asArray(statement.Action).some(isWildcardAction))
      .map(({ owner, statement }) => `${owner}: ${asArray(statement.Action).join(',')}`);
    expect(offenders).toEqual([]);
  });

  it('only X-Ray (which has no resource-level permissions) is allowed on Resource "*"', () => {
    const onStar = identityStatements(synth)
      .filter(({ statement }) => statement.Effect === 'Allow' && asArray(statement.Resource).includes('*'))
      .flatMap(({ statement }) => asArray(statement.Action));
    expect(onStar.length).toBeGreaterThan(0);
    expect([...new Set(onStar)].sort()).toEqual(XRAY);
  });

  it('resource policies allow no wildcard action, except the account-root administration of the topic key', () => {
    const documents: [string, Statement[]][] = [];
    const add = (type: string, field: string) => {
      for (const [id, resource] of Object.entries(synth.ofType(type))) {
        documents.push([id, (resource.Properties[field] as { Statement: Statement[] }).Statement]);
      }
    };
    add('AWS::S3::BucketPolicy', 'PolicyDocument');
    add('AWS::SQS::QueuePolicy', 'PolicyDocument');
    add('AWS::SNS::TopicPolicy', 'PolicyDocument');
    add('AWS::KMS::Key', 'KeyPolicy');
    expect(documents.length).toBe(2 + 3 + 1 + 2); // two keys: the alert topic's and the secrets key
    const offenders: string[] = [];
    for (const [id, statements] of documents) {
      for (const statement of statements) {
        if (statement.Effect !== 'Allow' || !asArray(statement.Action).some(isWildcardAction)) continue;
        const accountRoot = j(statement.Principal).includes(':iam::') && j(statement.Principal).includes(':root');
        if (id === synth.id('Alerts/Key') && j(statement.Action) === '"kms:*"' && accountRoot) continue;
        offenders.push(`${id}: ${j(statement.Action)} for ${j(statement.Principal)}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
