/**
 * The HTTP API: explicit routes only (no `$default`, no greedy proxy), every one behind the
 * IAM authorizer; `$default` stage with JSON access logs and throttling.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES } from '../lambdas/handlers/api/routes.js';
import type { HooklineSettings } from './props.js';

/** Every route of the registry (lambdas/handlers/api/routes.ts); tests compare the synthesized routes with it. */
export const ROUTES = API_ROUTES;

/**
 * One line per request: who (IAM identity, source IP), what (route), the answer and its latency,
 * and why it failed. CloudWatch stamps each line with its time; the request id leads to the
 * function's logs. Kept short (about 240 bytes): every request writes one.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    sourceIp: '$context.identity.sourceIp',
    userArn: '$context.identity.userArn',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLatency: '$context.responseLatency',
    integrationError: '$context.integrationErrorMessage',
    // API Gateway's own error (an IAM denial, throttling); `$context.authorizer.error` is only
    // set by Lambda and JWT authorizers, which this API has none of, and cost 22 bytes a line.
    error: '$context.error.message',
  }),
);

export interface ApiProps {
  readonly settings: HooklineSettings;
  readonly receiver: lambda.IFunction;
  readonly admin: lambda.IFunction;
}

export class Api extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const authorizer = new HttpIamAuthorizer();
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Hookline: events in, subscriptions and delivery log (SigV4 / IAM)',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      // Under /aws/vendedlogs/, API Gateway delivers without adding the group to the region's
      // CloudWatch Logs resource policy (5,120 characters, shared by every vended log source).
      logGroupName: `/aws/vendedlogs/apigateway/${Stack.of(this).stackName}-access`,
      retention: props.settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.settings.throttleRateLimit, burstLimit: props.settings.throttleBurstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });

    const integrations = {
      receiver: new HttpLambdaIntegration('Receiver', props.receiver, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
      admin: new HttpLambdaIntegration('Admin', props.admin, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    };
    for (const route of ROUTES) {
      this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: integrations[route.target],
        // Also the API default; stated per route so no route can silently lose it.
        authorizer,
      });
    }
  }

  /** `https://{id}.execute-api.{region}.amazonaws.com/` — the CLI reads it from the `ApiUrl` output. */
  get url(): string {
    return this.stage.url;
  }
}
