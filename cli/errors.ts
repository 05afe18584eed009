/**
 * CLI errors. Each carries the process exit code it maps to, so `main.ts` has one place
 * that turns any failure into output and an exit status:
 * 0 ok, 1 API error (4xx/5xx), 2 usage error, 3 network or credentials,
 * 4 the API answered but the test delivery to the endpoint failed.
 */
export const ExitCode = { ok: 0, api: 1, usage: 2, environment: 3, deliveryFailed: 4 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags or arguments: nothing was sent. */
export class UsageError extends CliError {
  readonly exitCode = ExitCode.usage;
}

/** One field error of an RFC 9457 problem document. */
export interface ProblemFieldError {
  field: string;
  message: string;
}

/** The parts of `application/problem+json` the CLI prints. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: ProblemFieldError[];
  [extra: string]: unknown;
}

/** The API answered 4xx/5xx. `body` is the raw response text (printed unchanged with `--json`). */
export class ApiError extends CliError {
  readonly exitCode = ExitCode.api;
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly body: string,
  ) {
    super(`${problem.title ?? `HTTP ${status}`}${problem.detail ? `: ${problem.detail}` : ''}`);
  }
}

/** The request never got an HTTP answer (DNS, refused, reset, TLS, timeout). */
export class NetworkError extends CliError {
  readonly exitCode = ExitCode.environment;
}

/** No AWS credentials, or the endpoint could not be discovered from the stack. */
export class EnvironmentError extends CliError {
  readonly exitCode = ExitCode.environment;
}

/** `subscriptions test`: the attempt was made and did not succeed (its details are printed). */
export class TestDeliveryFailedError extends CliError {
  readonly exitCode = ExitCode.deliveryFailed;
}
