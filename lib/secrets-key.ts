/**
 * The customer-managed KMS key that seals subscription secrets and credentials (envelope
 * encryption, lambdas/core/envelope.ts). Its key policy is the whole authority: the account can
 * administer the key but not use it, and only the admin and worker roles may create and decrypt
 * data keys, only under Hookline's encryption context. IAM policies alone (ReadOnlyAccess,
 * an administrator's `kms:*`) therefore cannot decrypt a table backup's secrets.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SECRETS_ENCRYPTION_CONTEXT } from '../lambdas/adapters/kms/kms-data-keys.js';

/** Key administration without use (no Encrypt, Decrypt, GenerateDataKey, ReEncrypt or CreateGrant). */
export const SECRETS_KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

export class SecretsKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const account = new iam.AccountRootPrincipal();
    this.key = new kms.Key(this, 'Key', {
      description: 'Hookline subscription secrets and credentials (envelope encryption)',
      enableKeyRotation: true,
      // Secrets sealed under it outlive the stack, like the table that holds them.
      removalPolicy: RemovalPolicy.RETAIN,
      // Replaces the default policy (account root `kms:*`, which would let any IAM policy use the key).
      policy: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({ sid: 'AccountAdministersKey', principals: [account], actions: SECRETS_KEY_ADMIN_ACTIONS, resources: ['*'] })],
      }),
    });
  }

  /**
   * The only use of the key: `roles` create and decrypt data keys under Hookline's encryption
   * context. Same-account roles named by the key policy need no identity statement.
   */
  allowUse(roles: readonly iam.IRole[]): void {
    const context = Object.fromEntries(Object.entries(SECRETS_ENCRYPTION_CONTEXT).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]));
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'HooklineFunctionsUseDataKeys',
        principals: roles.map((role) => new iam.ArnPrincipal(role.roleArn)),
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: context },
      }),
    );
  }
}
