/**
 * A role an AWS service assumes to act for this stack, allowed exactly the statements given (one
 * inline policy, no managed policies).
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export interface ServiceRoleProps {
  /** The service principal, e.g. `firehose.amazonaws.com`. */
  readonly service: string;
  readonly description: string;
  /** The inline policy's name. */
  readonly policyName: string;
  readonly statements: iam.PolicyStatement[];
  /** Who may pass as the service (confused-deputy guard). @default only this account: aws:SourceAccount */
  readonly conditions?: Record<string, unknown>;
}

export function serviceRole(scope: Construct, id: string, props: ServiceRoleProps): iam.Role {
  const conditions = props.conditions ?? { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } };
  return new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal(props.service).withConditions(conditions),
    description: props.description,
    inlinePolicies: { [props.policyName]: new iam.PolicyDocument({ statements: props.statements }) },
  });
}
