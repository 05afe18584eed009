import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lambdas/handlers/config.js';
import { HooklineError } from '../../../lambdas/core/errors.js';
import { problemFor } from '../../../lambdas/handlers/api/response.js';
import { classifyError } from '../../../lambdas/core/services/dispatch/error-class.js';

describe('ConfigError', () => {
  it('is what an invalid environment throws, naming the variable', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/TABLE_NAME/);
  });

  it('accepts DELIVERY_INDEX_SHARDS only as a power of two from 16 to 256, 16 when absent', () => {
    const base = { TABLE_NAME: 't', QUEUE_URL: 'https://sqs.example.com/q', PAYLOAD_BUCKET: 'b' };
    expect(loadConfig(base).deliveryIndexShards).toBe(16);
    expect(loadConfig({ ...base, DELIVERY_INDEX_SHARDS: '256' }).deliveryIndexShards).toBe(256);
    for (const bad of ['48', '8', '512', 'many']) {
      expect(() => loadConfig({ ...base, DELIVERY_INDEX_SHARDS: bad }), bad).toThrow(/DELIVERY_INDEX_SHARDS: must be one of 16, 32, 64, 128, 256/);
    }
  });

  it('maps each optional variable to its field when set, and leaves the field out when not', () => {
    const base = { TABLE_NAME: 't', QUEUE_URL: 'https://sqs.example.com/q', PAYLOAD_BUCKET: 'b' };
    const optional = {
      QUEUE_ARN: ['queueArn', 'arn:aws:sqs:eu-west-1:123456789012:q'],
      ALERT_TOPIC_ARN: ['alertTopicArn', 'arn:aws:sns:eu-west-1:123456789012:alerts'],
      SCHEDULE_GROUP: ['scheduleGroup', 'hookline'],
      SCHEDULER_ROLE_ARN: ['schedulerRoleArn', 'arn:aws:iam::123456789012:role/scheduler'],
      SCHEDULER_DLQ_ARN: ['schedulerDlqArn', 'arn:aws:sqs:eu-west-1:123456789012:dlq'],
      SECRETS_KEY_ARN: ['secretsKeyArn', 'arn:aws:kms:eu-west-1:123456789012:key/k'],
      SHOP_DOMAIN: ['shopDomain', 'shop.myshopify.com'],
      HOOKLINE_EXTRA_CA_FILE: ['extraCaFile', '/tmp/ca.pem'],
    } as const;
    const set = loadConfig({ ...base, ...Object.fromEntries(Object.entries(optional).map(([name, [, value]]) => [name, value])) });
    const unset = loadConfig(base);
    for (const [field, value] of Object.values(optional)) {
      expect(set[field], field).toBe(value);
      expect(unset, field).not.toHaveProperty(field);
    }
    expect(set).toMatchObject({ tableName: 't', queueUrl: 'https://sqs.example.com/q', payloadBucket: 'b' });
  });

  it('is a HooklineError the API answers as a 500 problem naming the misconfiguration', () => {
    const error = new ConfigError('SECRETS_KEY_ARN is required to seal subscription secrets');
    expect(error).toBeInstanceOf(HooklineError);
    expect(error.name).toBe('ConfigError');
    const result = problemFor(error);
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(String(result.body))).toMatchObject({ status: 500, title: 'Configuration error', detail: error.message });
  });

  it('is neither permanent nor retryable for the worker: the record is redelivered until the configuration is fixed', () => {
    expect(classifyError(new ConfigError('SECRETS_KEY_ARN is required to open subscription secrets'))).toBe('unknown');
  });
});
