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
