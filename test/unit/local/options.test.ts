import { describe, expect, it } from 'vitest';
import { parseLocalOptions } from '../../../local/options.js';

describe('parseLocalOptions', () => {
  it('has the documented defaults', () => {
    expect(parseLocalOptions([], {})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      memory: false,
      dataDir: '.hookline',
      timeScale: 1,
      uniqueTenantEvent: false,
      successRecords: 'all',
      deliveryIndexShards: 16,
      allowLegacyKeying: false,
      archiveIntervalMs: 5000,
      logFormat: 'human',
    });
  });

  it('reads every flag', () => {
    const o = parseLocalOptions(
      ['--port', '0', '--host', '::1', '--memory', '--data-dir', '/tmp/x', '--time-scale', '60', '--unique-tenant-event', '--allowed-ports', '8443,9000', '--max-payload-bytes', '4096', '--dynamo-endpoint', 'http://127.0.0.1:1', '--sqs-endpoint', 'http://127.0.0.1:2', '--resource-prefix', 't1', '--log-format', 'json', '--success-records', 'log-only', '--delivery-index-shards', '64'],
      {},
    );
    expect(o).toMatchObject({ deliveryIndexShards: 64, logFormat: 'json', successRecords: 'log-only', port: 0, host: '::1', memory: true, dataDir: '/tmp/x', timeScale: 60, uniqueTenantEvent: true, allowedPorts: '8443,9000', maxPayloadBytes: 4096, dynamoEndpoint: 'http://127.0.0.1:1', sqsEndpoint: 'http://127.0.0.1:2', resourcePrefix: 't1' });
  });

  it('falls back to HOOKLINE_* variables, and a flag wins over its variable', () => {
    const env = { HOOKLINE_PORT: '4000', HOOKLINE_MEMORY: 'true', HOOKLINE_TIME_SCALE: '10', HOOKLINE_UNIQUE_TENANT_EVENT: 'false', HOOKLINE_DATA_DIR: '/d' };
    expect(parseLocalOptions([], env)).toMatchObject({ port: 4000, memory: true, timeScale: 10, uniqueTenantEvent: false, dataDir: '/d' });
    expect(parseLocalOptions(['--port', '5000'], env).port).toBe(5000);
    expect(parseLocalOptions([], { HOOKLINE_DELIVERY_INDEX_SHARDS: '128' }).deliveryIndexShards).toBe(128);
  });

  it.each([
    [['--port', '70000']],
    [['--time-scale', '0.5']],
    [['--allowed-ports', '80;443']],
    [['--dynamo-endpoint', 'http://127.0.0.1:1']],
    [['--log-format', 'yaml']],
    [['--delivery-index-shards', '48']],
    [['--delivery-index-shards', '8']],
    [['--delivery-index-shards', '512']],
  ])('rejects %j', (argv) => {
    expect(() => parseLocalOptions(argv, {})).toThrow();
  });
});
