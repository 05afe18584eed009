import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../lib/api.js';
import { DESIGN_ROUTES } from '../support/design-routes.js';
import { beforeAllSynths, type Synth } from './support.js';

let synth: Synth;
let defaults: Synth;

beforeAllSynths((loaded) => ({ configured: synth, defaults } = loaded));

type Props = Record<string, unknown>;
const routes = (s: Synth) => Object.values(s.ofType('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);

describe('HTTP API authorization', () => {
  it.each(['configured', 'defaults'] as const)('puts the AWS_IAM authorizer on every route (%s)', (variant) => {
    const s = variant === 'configured' ? synth : defaults;
    const all = routes(s);
    expect(all).toHaveLength(ROUTES.length);
    const unauthorized = all.filter((r) => r.AuthorizationType !== 'AWS_IAM').map((r) => r.RouteKey);
    expect(unauthorized).toEqual([]);
    // IAM auth needs no authorizer resource; any authorizer would be some other kind of auth.
    expect(Object.keys(s.ofType('AWS::ApiGatewayV2::Authorizer'))).toEqual([]);
  });

  it('has exactly the explicit routes of the design: no $default, no greedy proxy', () => {
    const keys = routes(synth).map((r) => r.RouteKey as string).sort();
    expect(keys).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    expect(keys).not.toContain('$default');
    // The only greedy variables: an event type's `/` (Shopify topics), last in a fixed path; no catch-all.
    expect(keys.filter((k) => k.includes('+}'))).toEqual([
      'DELETE /v1/tenants/{tenant}/subscriptions/{eventType+}',
      'PUT /v1/tenants/{tenant}/subscriptions/{eventType+}',
    ]);
    expect(keys).toEqual(DESIGN_ROUTES.map((r) => r.replace('{eventType}', '{eventType+}')).sort());
  });

  it('sends /v1/events and /v1/events/batch to the receiver and everything else to admin, payload format 2.0', () => {
    const targetOf = new Map<string, string>();
    for (const [id, integration] of Object.entries(synth.ofType('AWS::ApiGatewayV2::Integration'))) {
      expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      targetOf.set(id, JSON.stringify(integration.Properties.IntegrationUri));
    }
    const receiverArn = JSON.stringify(synth.getAtt('Receiver/Function'));
    const adminArn = JSON.stringify(synth.getAtt('Admin/Function'));
    for (const route of routes(synth)) {
      const integrationId = ((route.Target as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][1] as { Ref: string }).Ref;
      const expected = route.RouteKey === 'POST /v1/events' || route.RouteKey === 'POST /v1/events/batch' ? receiverArn : adminArn;
      expect([route.RouteKey, targetOf.get(integrationId)]).toEqual([route.RouteKey, expected]);
    }
  });

  it('lets API Gateway invoke the functions only from this API', () => {
    const permissions = Object.values(synth.ofType('AWS::Lambda::Permission')).map((p) => p.Properties);
    expect(permissions).toHaveLength(ROUTES.length);
    for (const permission of permissions) {
      expect(permission.Principal).toBe('apigateway.amazonaws.com');
      expect(permission.Action).toBe('lambda:InvokeFunction');
      expect(JSON.stringify(permission.SourceArn)).toContain(JSON.stringify(synth.ref('Api/HttpApi')));
    }
  });
});

describe('HTTP API stage', () => {
  it('is the auto-deployed $default stage with JSON access logs and the configured throttling', () => {
    const stages = Object.values(synth.ofType('AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
    const stage = stages[0]!.Properties as {
      StageName: string;
      AutoDeploy: boolean;
      AccessLogSettings: { DestinationArn: unknown; Format: string };
      DefaultRouteSettings: { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
    };
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.AccessLogSettings.DestinationArn).toEqual(synth.getAtt('Api/AccessLogs'));
    const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      userArn: '$context.identity.userArn',
      sourceIp: '$context.identity.sourceIp',
      integrationError: '$context.integrationErrorMessage',
      error: '$context.error.message',
    });
    // Every request writes one line: only these fields (bench/support/cost-model.ts prices a sample of it).
    expect(Object.keys(format).sort()).toEqual(['error', 'integrationError', 'requestId', 'responseLatency', 'routeKey', 'sourceIp', 'status', 'userArn']);
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 80 });
    expect(synth.props('Api/AccessLogs').RetentionInDays).toBe(90);
  });

  it('applies the default throttling (100/s, burst 200) without options', () => {
    const stage = Object.values(defaults.ofType('AWS::ApiGatewayV2::Stage'))[0]!.Properties as Props;
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
  });

  it('outputs the API URL as ApiUrl (no export name, the CLI discovers it) and where everything else is', () => {
    const apiUrl = synth.output('ApiUrl');
    expect(apiUrl).toBeDefined();
    expect(apiUrl!.Export).toBeUndefined();
    expect(JSON.stringify(apiUrl!.Value)).toContain('execute-api');
    expect(JSON.stringify(apiUrl!.Value)).toContain(JSON.stringify(synth.ref('Api/HttpApi')));
    const outputs = {
      ArchiveBucketName: synth.ref('Archive/Bucket'),
      TableName: synth.ref('Store/Table'),
      QueueUrl: synth.ref('Delivery/Queue'),
      AlertTopicArn: synth.ref('Alerts/Topic'),
      DashboardName: synth.ref('Alarms/Dashboard'),
      AttemptLogGroupName: synth.ref('Archive/AttemptLogs'),
    };
    for (const [name, value] of Object.entries(outputs)) expect([name, synth.output(name)?.Value]).toEqual([name, value]);
  });
});
