import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/handlers/config.js';
import { beforeAllSynths, type Synth } from './support.js';

let synth: Synth;
let defaults: Synth;

beforeAllSynths((loaded) => ({ configured: synth, defaults } = loaded));

const FUNCTIONS = { receiver: 'Receiver', admin: 'Admin', worker: 'Delivery/Worker' } as const;
type Name = keyof typeof FUNCTIONS;
const NAMES = Object.keys(FUNCTIONS) as Name[];
const fn = (s: Synth, name: Name) => s.props(`${FUNCTIONS[name]}/Function`);
const env = (s: Synth, name: Name) => (fn(s, name).Environment as { Variables: Record<string, unknown> }).Variables;

describe('the three functions', () => {
  it('are the only Lambda functions (no hidden custom-resource handlers)', () => {
    expect(Object.keys(synth.ofType('AWS::Lambda::Function')).sort()).toEqual(
      NAMES.map((name) => synth.id(`${FUNCTIONS[name]}/Function`)).sort(),
    );
  });

  it.each(NAMES)('%s: Node.js 22/24 on arm64, ESM bundle entry, X-Ray, JSON logs without platform INFO lines, source maps', (name) => {
    const props = fn(synth, name);
    expect(['nodejs22.x', 'nodejs24.x']).toContain(props.Runtime);
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Handler).toBe('index.handler');
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    expect(props.Role).toEqual(synth.getAtt(`${FUNCTIONS[name]}/Role`));
    expect(props.LoggingConfig).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'WARN' });
    expect(env(synth, name)).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: name });
  });

  it('takes memory and the worker timeout from the stack options; receiver and admin fit the API limit', () => {
    expect(NAMES.map((name) => fn(synth, name).MemorySize)).toEqual([768, 640, 1536]);
    expect(NAMES.map((name) => fn(defaults, name).MemorySize)).toEqual([512, 512, 1024]);
    expect(NAMES.map((name) => fn(synth, name).Timeout)).toEqual([10, 29, 45]);
    expect(fn(defaults, 'worker').Timeout).toBe(60);
  });

  it('logs receiver and admin to their own log groups, the worker to the attempt log group', () => {
    const logGroup = (name: Name) => (fn(synth, name).LoggingConfig as { LogGroup: unknown }).LogGroup;
    expect(logGroup('receiver')).toEqual(synth.ref('Receiver/Logs'));
    expect(logGroup('admin')).toEqual(synth.ref('Admin/Logs'));
    expect(logGroup('worker')).toEqual(synth.ref('Archive/AttemptLogs'));
    expect(synth.props('Receiver/Logs').RetentionInDays).toBe(90);
    expect(synth.props('Admin/Logs').RetentionInDays).toBe(90);
    expect(defaults.props('Receiver/Logs').RetentionInDays).toBe(30);
  });
});

describe('function environments (what lambdas/handlers/config.ts reads)', () => {
  const RUNTIME_VARS = ['NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME'];
  const COMMON = ['DELIVERY_INDEX_SHARDS', 'MAX_PAYLOAD_BYTES', 'PAYLOAD_BUCKET', 'QUEUE_URL', 'RETENTION_DAYS', 'TABLE_NAME'];
  const EXPECTED_KEYS: Record<Name, string[]> = {
    receiver: COMMON,
    admin: [...COMMON, 'ALLOWED_PORTS', 'QUEUE_ARN', 'SCHEDULER_ROLE_ARN', 'SCHEDULE_GROUP', 'SECRETS_KEY_ARN', 'SHOP_DOMAIN', 'SUCCESS_RECORDS', 'UNIQUE_TENANT_EVENT'],
    worker: [
      ...COMMON,
      'ALERT_TOPIC_ARN',
      'ALLOWED_PORTS',
      'HOOKLINE_WORKER_CONCURRENCY',
      'QUEUE_ARN',
      'SCHEDULER_DLQ_ARN',
      'SCHEDULER_ROLE_ARN',
      'SCHEDULE_GROUP',
      'SECRETS_KEY_ARN',
      'SHOP_DOMAIN',
      'SUCCESS_RECORDS',
      'UNIQUE_TENANT_EVENT',
    ],
  };

  it.each(NAMES)('%s gets exactly the variables it uses, and no local-mode ones', (name) => {
    expect(Object.keys(env(synth, name)).sort()).toEqual([...EXPECTED_KEYS[name], ...RUNTIME_VARS].sort());
  });

  it('points every variable at the right resource', () => {
    const refs = {
      TABLE_NAME: synth.ref('Store/Table'),
      PAYLOAD_BUCKET: synth.ref('Archive/Bucket'),
      QUEUE_URL: synth.ref('Delivery/Queue'),
      QUEUE_ARN: synth.getAtt('Delivery/Queue'),
      ALERT_TOPIC_ARN: synth.ref('Alerts/Topic'),
      SCHEDULE_GROUP: synth.props('Delivery/ScheduleGroup').Name,
      SCHEDULER_ROLE_ARN: synth.getAtt('Delivery/SchedulerRole'),
      SCHEDULER_DLQ_ARN: synth.getAtt('Delivery/SchedulerDeadLetterQueue'),
      SECRETS_KEY_ARN: synth.getAtt('SecretsKey/Key'),
    };
    for (const name of NAMES) {
      const variables = env(synth, name);
      for (const [key, value] of Object.entries(refs)) {
        if (key in variables) expect([name, key, variables[key]]).toEqual([name, key, value]);
      }
    }
    expect(refs.SCHEDULE_GROUP).toBe('Hookline-retries');
  });

  /** The template's values with CloudFormation references replaced by a stand-in, as Lambda would see them resolved. */
  const resolved = (s: Synth, name: Name): NodeJS.ProcessEnv =>
    Object.fromEntries(
      Object.entries(env(s, name)).map(([key, value]) => [key, typeof value === 'string' ? value : `https://resolved.invalid/${key}`]),
    );

  it.each(NAMES)('%s: the real config parser accepts the environment and sees the configured options', (name) => {
    const config = loadConfig(resolved(synth, name));
    expect(config).toMatchObject({ maxPayloadBytes: 524_288, retentionDays: 14, deliveryIndexShards: 64, local: false });
    if (name !== 'receiver') expect(config).toMatchObject({ uniqueTenantEvent: true, allowedPorts: [8443, 9443] });
    // Admin and worker build the retry scheduler only when all three are present (dependencies.ts).
    if (name !== 'receiver') expect(config).toMatchObject({ scheduleGroup: 'Hookline-retries', schedulerRoleArn: expect.any(String), queueArn: expect.any(String) });
    else expect(config.scheduleGroup).toBeUndefined();
    if (name === 'worker') expect(config).toMatchObject({ alertTopicArn: expect.any(String), schedulerDlqArn: expect.any(String) });
    else expect(config.alertTopicArn).toBeUndefined();
  });

  it.each(NAMES)('%s: the defaults parse to the documented defaults', (name) => {
    const config = loadConfig(resolved(defaults, name));
    expect(config).toMatchObject({ maxPayloadBytes: 262_144, retentionDays: 30, uniqueTenantEvent: false, allowedPorts: [], deliveryIndexShards: 16 });
  });
});

describe('worker event source', () => {
  it('consumes the deliveries queue with partial batch failures and a concurrency cap', () => {
    const mappings = Object.values(synth.ofType('AWS::Lambda::EventSourceMapping')).map((m) => m.Properties);
    expect(mappings).toHaveLength(1);
    expect(mappings[0]).toMatchObject({
      EventSourceArn: synth.getAtt('Delivery/Queue'),
      FunctionName: synth.ref('Delivery/Worker/Function'),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 25 },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
    });
    const defaultMapping = Object.values(defaults.ofType('AWS::Lambda::EventSourceMapping'))[0]!.Properties;
    expect(defaultMapping).toMatchObject({ ScalingConfig: { MaximumConcurrency: 10 }, BatchSize: 10 });
    expect(defaultMapping.MaximumBatchingWindowInSeconds).toBeUndefined();
  });

  it('runs a batch with one lane per record (workerInFlight) and keeps concurrency for the receiver', () => {
    expect(env(synth, 'worker').HOOKLINE_WORKER_CONCURRENCY).toBe('50');
    expect(env(defaults, 'worker').HOOKLINE_WORKER_CONCURRENCY).toBe('10');
    expect(fn(synth, 'receiver').ReservedConcurrentExecutions).toBe(30);
    expect(fn(defaults, 'receiver').ReservedConcurrentExecutions).toBe(20);
    expect(fn(defaults, 'worker').ReservedConcurrentExecutions).toBeUndefined();
  });

  it.each([
    ['configured', 45],
    ['defaults', 60],
  ] as const)('keeps the queue visibility at ≥ 6 × the worker timeout (%s)', (variant, timeout) => {
    const s = variant === 'configured' ? synth : defaults;
    const workerTimeout = fn(s, 'worker').Timeout as number;
    const visibility = s.props('Delivery/Queue').VisibilityTimeout as number;
    expect(workerTimeout).toBe(timeout);
    expect(visibility).toBeGreaterThanOrEqual(6 * workerTimeout);
  });
});
