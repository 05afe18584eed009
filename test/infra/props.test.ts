import { afterAll, describe, expect, it } from 'vitest';
import { InvalidStackPropError } from '../../lib/errors.js';
import { HooklineStack } from '../../lib/hookline-stack.js';
import { type HooklineSettingsInput, SETTINGS_DEFAULTS, resolveSettings, settingsFromContext } from '../../lib/props.js';
import { newApp, removeAppDirs } from './cdk-app.js';

afterAll(removeAppDirs);

describe('resolveSettings', () => {
  it('fills every documented default', () => {
    expect(resolveSettings({})).toEqual({ alertEmail: undefined, ...SETTINGS_DEFAULTS });
    expect(SETTINGS_DEFAULTS).toMatchObject({
      logRetentionDays: 30,
      attemptRetentionDays: 30,
      archiveTransitionDays: 30,
      archiveExpiryDays: 365,
      uniqueTenantEvent: false,
      allowedPorts: [],
      workerConcurrency: 10,
      maxPayloadBytes: 262_144,
      workerTimeoutSeconds: 60,
    });
  });

  it('keeps valid explicit values', () => {
    const input: HooklineSettingsInput = {
      alertEmail: 'ops@example.com',
      logRetentionDays: 90,
      attemptRetentionDays: 14,
      archiveTransitionDays: 60,
      archiveExpiryDays: 730,
      uniqueTenantEvent: true,
      successRecords: 'log-only',
      deliveryIndexShards: 256,
      allowedPorts: [8443, 9443],
      workerConcurrency: 1000,
      maxPayloadBytes: 1_048_576,
      workerTimeoutSeconds: 900,
    };
    expect(resolveSettings(input)).toMatchObject(input);
    expect(resolveSettings({ workerConcurrency: 2 }).workerConcurrency).toBe(2);
  });

  it('gives every record of a bigger batch a lane unless told otherwise', () => {
    expect(resolveSettings({ workerBatchSize: 100, workerBatchingWindowSeconds: 1 })).toMatchObject({ workerBatchSize: 100, workerInFlight: 100 });
    expect(resolveSettings({ workerBatchSize: 100, workerBatchingWindowSeconds: 1, workerInFlight: 40 }).workerInFlight).toBe(40);
    expect(resolveSettings({ workerPollers: 200 }).workerPollers).toBe(200);
  });

  /** Each value alone in an input, refused for `property`. */
  const refused = <K extends keyof HooklineSettingsInput>(property: K, ...values: HooklineSettingsInput[K][]): [string, HooklineSettingsInput][] =>
    values.map((value) => [property, { [property]: value }]);

  it.each<[string, HooklineSettingsInput]>([
    ...refused('alertEmail', 'not-an-email'),
    ...refused('successRecords', 'none' as 'all'),
    ...refused('deliveryIndexShards', 48, 8, 512),
    ...refused('logRetentionDays', 31, 0),
    ...refused('attemptRetentionDays', 2, 3653),
    ...refused('archiveTransitionDays', 29),
    ...refused('archiveExpiryDays', 30),
    ...refused('allowedPorts', [0], [65_536], [8443, 8443]),
    ...refused('workerConcurrency', 1, 1001, 2.5),
    ...refused('maxPayloadBytes', 1_048_577, 0),
    ...refused('workerTimeoutSeconds', 901, 0),
    ...refused('workerMemoryMb', 64),
    ...refused('throttleBurstLimit', -1),
    ...refused('workerPollers', 1, 2001),
    ...refused('workerInFlight', 1001),
    ...refused('receiverReservedConcurrency', -1),
    // Refused in combination: the error names the property at fault.
    ['archiveExpiryDays', { archiveTransitionDays: 90, archiveExpiryDays: 60 }],
    ['workerBatchingWindowSeconds', { workerBatchSize: 100 }],
    ['workerBatchSize', { workerBatchSize: 10_001, workerBatchingWindowSeconds: 1 }],
  ])('rejects a bad %s with an error naming it (%j)', (property, input) => {
    let caught: unknown;
    try {
      resolveSettings(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidStackPropError);
    expect((caught as InvalidStackPropError).property).toBe(property);
    expect((caught as Error).message).toContain(`"${property}"`);
  });
});

describe('settingsFromContext', () => {
  const from = (context: Record<string, unknown>) => settingsFromContext((key) => context[key]);

  it('parses the strings `cdk -c key=value` passes', () => {
    expect(
      from({
        alertEmail: 'ops@example.com',
        workerConcurrency: '20',
        uniqueTenantEvent: 'true',
        successRecords: 'log-only',
        deliveryIndexShards: '64',
        allowedPorts: '8443,9443',
        maxPayloadBytes: '524288',
      }),
    ).toEqual({
      alertEmail: 'ops@example.com',
      workerConcurrency: 20,
      uniqueTenantEvent: true,
      successRecords: 'log-only',
      deliveryIndexShards: 64,
      allowedPorts: [8443, 9443],
      maxPayloadBytes: 524_288,
    });
  });

  it('accepts typed cdk.json values and JSON arrays, and leaves absent keys to the defaults', () => {
    expect(from({ workerConcurrency: 5, uniqueTenantEvent: false, allowedPorts: [8443] })).toEqual({
      workerConcurrency: 5,
      uniqueTenantEvent: false,
      allowedPorts: [8443],
    });
    expect(from({ allowedPorts: '[8443, 9000]' })).toEqual({ allowedPorts: [8443, 9000] });
    expect(from({ allowedPorts: '' })).toEqual({ allowedPorts: [] });
    expect(from({})).toEqual({});
  });

  it.each([
    ['workerConcurrency', 'ten'],
    ['uniqueTenantEvent', 'yes'],
    ['allowedPorts', '443,abc'],
    ['logRetentionDays', '30.5'],
  ])('names the property when %s=%s cannot be parsed', (key, value) => {
    expect(() => from({ [key]: value })).toThrowError(expect.objectContaining({ property: key }) as Error);
  });
});

describe('HooklineStack props', () => {
  it('refuses invalid props before building anything', () => {
    const app = newApp();
    expect(() => new HooklineStack(app, 'Bad', { workerConcurrency: 1 })).toThrowError(/"workerConcurrency"/);
    expect(app.node.children).toHaveLength(0);
  });
});
