/**
 * The single DynamoDB table, built from `tableSchema` (the same data local mode uses), and
 * the exact grants each function gets on it.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { tableSchema } from '../lambdas/adapters/dynamodb/table-schema.js';
import { acknowledgeWildcardResources } from './nag.js';

/**
 * What the receiver does (lambdas/adapters/dynamodb): query routes (base table, no index), put the
 * message (with its idempotency claim in a transaction of Puts), read claims and messages back,
 * update the claim once the tasks are queued (or the message when they could not be).
 * A transaction also needs the permission of each operation inside it (here PutItem).
 */
export const RECEIVER_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:TransactWriteItems',
] as const;

/**
 * Item-level read/write for admin and worker: subscriptions change in transactions of
 * Put/Update/Delete, deliveries in batches, failure counters by UpdateItem. No Scan (every
 * access pattern is a key or index query), no ConditionCheck (admin only, granted apart), no table admin.
 */
export const READ_WRITE_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:Query',
  'dynamodb:TransactWriteItems',
] as const;

export class Store extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const s = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: s(tableSchema.partitionKey),
      sortKey: s(tableSchema.sortKey),
      timeToLiveAttribute: tableSchema.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      // Subscriptions and secrets outlive the stack: deleting it must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of tableSchema.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: s(index.partitionKey),
        sortKey: s(index.sortKey),
        // Status changes never cost an index write; lists BatchGet the items (see table-schema.ts).
        projectionType: dynamodb.ProjectionType.KEYS_ONLY,
      });
    }
  }

  /**
   * Grants exactly `actions` on the table and, with `indexes`, on its indexes (`index/*`: this
   * table's GSIs, queried by name); with `leadingKeyPrefixes`, only on items whose partition key
   * starts with one of them.
   */
  grant(role: iam.Role, actions: readonly string[], options: { indexes: boolean; leadingKeyPrefixes?: readonly string[] }): void {
    const indexes = `${this.table.tableArn}/index/*`;
    const resources = options.indexes ? [this.table.tableArn, indexes] : [this.table.tableArn];
    const prefixes = options.leadingKeyPrefixes;
    // Every key of every request (each item of a batch or transaction) must start with one of the prefixes.
    const conditions = prefixes === undefined ? undefined : { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((p) => `${p}*`) } };
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources, ...(conditions !== undefined && { conditions }) }));
    if (options.indexes) {
      acknowledgeWildcardResources(role, [indexes], "GSI queries need index ARNs; the wildcard covers only this table's indexes.");
    }
  }
}
