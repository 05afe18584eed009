/**
 * Errors raised while building the stack. Infra code has no HTTP status, so these do not
 * extend `HooklineError`; they name the offending property so `cdk synth` fails with a fix.
 */
export class InvalidStackPropError extends Error {
  constructor(
    /** The stack property (or `-c` context key) that is wrong, e.g. `workerConcurrency`. */
    readonly property: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`Invalid stack property "${property}": ${message}`, options);
    this.name = 'InvalidStackPropError';
  }
}
