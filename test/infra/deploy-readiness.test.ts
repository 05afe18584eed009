/**
 * Deploy readiness (issue 20, 9-12), desk-checked on the template: alarms may publish to the
 * alert topic, the access-log group is vended, the archive is newline-delimited, and no ARN in
 * the template or the retry scheduler's target hard-codes the `aws` partition.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { universalSqsTarget } from '../../lambdas/adapters/scheduler/aws-retry-scheduler.js';
import { asArray, loadSynth, type Statement, type Synth, SYNTH_TIMEOUT_MS } from './support.js';

let synth: Synth;
beforeAll(async () => {
  synth = await loadSynth('configured');
}, SYNTH_TIMEOUT_MS);

describe('deploy readiness', () => {
  it('the alert topic allows CloudWatch to publish, for this account and these alarms only', () => {
    const policies = Object.values(synth.ofType('AWS::SNS::TopicPolicy'));
    const statements = policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const allow = statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));
    expect(allow).toHaveLength(1);
    const [statement] = allow as [Statement];
    expect(statement.Action).toBe('sns:Publish');
    expect(statement.Resource).toEqual(synth.ref('Alerts/Topic'));
    expect((statement.Condition as { StringEquals: unknown }).StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    const sources = asArray((statement.Condition as { ArnLike: Record<string, unknown> }).ArnLike['aws:SourceArn']);
    const alarms = Object.keys(synth.ofType('AWS::CloudWatch::Alarm')).map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    expect(alarms.length).toBeGreaterThan(0);
    expect(sources).toEqual(expect.arrayContaining(alarms));
    expect(sources).toHaveLength(alarms.length);
  });

  it('names the API access-log group under /aws/vendedlogs/', () => {
    expect(synth.props('Api/AccessLogs').LogGroupName).toMatch(/^\/aws\/vendedlogs\/apigateway\/.+-access$/);
  });

  it('the archive stream appends a newline to every record (NDJSON objects)', () => {
    const processing = (synth.props('Archive/DeliveryStream').ExtendedS3DestinationConfiguration as { ProcessingConfiguration: { Enabled: boolean; Processors: { Type: string }[] } })
      .ProcessingConfiguration;
    expect(processing.Enabled).toBe(true);
    expect(processing.Processors.map((p) => p.Type)).toEqual(['Decompression', 'CloudWatchLogProcessing', 'AppendDelimiterToRecord']);
  });

  it('no ARN in the template hard-codes a partition', () => {
    const template = JSON.stringify(synth.result.template);
    expect(template.match(/arn:aws[a-z-]*:/g) ?? []).toEqual([]);
  });

  it('the retry schedule target takes its partition from the queue', () => {
    expect(universalSqsTarget('arn:aws-cn:sqs:cn-north-1:111122223333:q')).toBe('arn:aws-cn:scheduler:::aws-sdk:sqs:sendMessage');
  });
});
