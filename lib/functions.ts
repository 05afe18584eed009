/**
 * The one way this stack builds a Lambda function: a `NodejsFunction` bundled by the local
 * esbuild (no Docker) into a minified ESM file with the AWS SDK inside, arm64, the latest
 * Node.js runtime, X-Ray, an explicit log group, and its own role without managed policies.
 */
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export type HandlerName = 'receiver' | 'admin' | 'worker';

/** Node.js 24: the newest runtime this aws-cdk-lib knows (cdk-nag L1 requires the latest). */
export const RUNTIME = lambda.Runtime.NODEJS_24_X;
export const BUNDLE_TARGET = 'node24';
/**
 * Lambda's own log lines: WARN drops the INFO-level `platform.start` and `platform.report` lines
 * (~600 bytes per invocation, more than a delivery's attempt line) and keeps timeouts and crashes.
 * Duration, errors and throttles stay in Lambda's CloudWatch metrics; set INFO to see REPORT lines.
 */
export const SYSTEM_LOG_LEVEL = lambda.SystemLogLevel.WARN;

/**
 * Left out of the bundles: the credential providers Lambda never reaches. The SDK's default chain
 * tries the environment first, and Lambda always puts the execution role's credentials there; the
 * rest of the chain (SSO, INI files, processes, web identity, console login, container and instance
 * metadata, with the STS/SSO clients they load: ~110 KB of each bundle) is imported only when
 * that fails, and would then fail to load instead of failing to find credentials.
 */
export const BUNDLE_EXTERNALS = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
  '@aws-sdk/token-providers',
  '@aws-sdk/nested-clients',
];

/** Lets CommonJS dependencies call `require` inside the ESM bundle. */
export const CJS_SHIM =
  "import { createRequire as __hooklineCreateRequire } from 'node:module'; const require = __hooklineCreateRequire(import.meta.url);";

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export function handlerEntry(name: HandlerName): string {
  return fileURLToPath(new URL(`../lambdas/handlers/${name}.ts`, import.meta.url));
}

export interface HooklineFunctionProps {
  readonly name: HandlerName;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeout: Duration;
  /** Days; must be a CloudWatch Logs retention value (validated in props.ts). */
  readonly logRetentionDays: number;
  /** Exactly the variables this handler reads; the common ones are added here. */
  readonly environment: Record<string, string>;
  /** A log group made elsewhere (the worker's is the attempt log group). @default - a new one with `logRetentionDays` */
  readonly logGroup?: logs.ILogGroup;
  /** Concurrency kept for this function alone (and its ceiling). @default - none: it shares the account's pool */
  readonly reservedConcurrency?: number;
}

export class HooklineFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: HooklineFunctionProps) {
    super(scope, id);

    this.logGroup =
      props.logGroup ??
      new logs.LogGroup(this, 'Logs', {
        retention: props.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      });

    // Own role instead of AWSLambdaBasicExecutionRole (a managed policy, cdk-nag IAM4):
    // it may write only to its own log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Hookline ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: handlerEntry(props.name),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
      description: props.description,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      ...(props.reservedConcurrency !== undefined && props.reservedConcurrency > 0 && { reservedConcurrentExecutions: props.reservedConcurrency }),
      role: this.role,
      logGroup: this.logGroup,
      // JSON format: Lambda's own lines become JSON too; Powertools and the attempt log write
      // raw JSON to stdout, which the runtime passes through unwrapped (no console.* wrapping).
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: SYSTEM_LOG_LEVEL,
      // Tracing is switched on below, with its permission in a policy of its own.
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: 'Hookline',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: BUNDLE_TARGET,
        mainFields: ['module', 'main'],
        // Bundle the AWS SDK (pinned versions, faster cold starts than the runtime's copy) but
        // not the credential providers Lambda never uses.
        externalModules: BUNDLE_EXTERNALS,
        banner: CJS_SHIM,
        forceDockerBundling: false,
      },
    });

    // X-Ray's PutTraceSegments/PutTelemetryRecords accept no resource narrower than "*". With
    // `tracing: ACTIVE` that statement would land in the role's default policy, and acknowledging
    // `Resource::*` there would also hide any later data action on "*". So the statement gets its
    // own policy, acknowledged alone, and tracing is set on the function resource directly.
    const tracing = new iam.Policy(this, 'Tracing', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
      ],
    });
    Validations.of(tracing).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) supports only the "*" resource.',
    });
    (this.fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };
    this.fn.node.addDependency(tracing);
  }
}
