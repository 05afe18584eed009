/**
 * AWS list prices used by the cost benchmark: ONE table, us-east-1, on-demand, USD, no free
 * tier, first (most expensive) volume tier. Checked against the public pricing pages in 2025;
 * update the numbers here and nowhere else. `unit` says what one `usd` buys.
 */

export interface Price {
  usd: number;
  unit: string;
  source: string;
}

export const PRICES = {
  /** HTTP API, first 300 M requests/month; each 512 KB of a request is metered as one request. */
  apiGatewayHttpRequest: { usd: 1.0 / 1e6, unit: 'request (per 512 KB)', source: 'https://aws.amazon.com/api-gateway/pricing/' },
  /** Lambda on arm64 (Graviton), first 7.5 B GB-s/month. */
  lambdaArmGbSecond: { usd: 0.0000133334, unit: 'GB-second (arm64)', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaRequest: { usd: 0.2 / 1e6, unit: 'invocation', source: 'https://aws.amazon.com/lambda/pricing/' },
  /** Standard queue; every 64 KB chunk of a payload is billed as one request (incl. the event source mapping's polls). */
  sqsRequest: { usd: 0.4 / 1e6, unit: 'request (per 64 KB chunk)', source: 'https://aws.amazon.com/sqs/pricing/' },
  /** On-demand, after the November 2024 price reduction. */
  dynamoWriteUnit: { usd: 0.625 / 1e6, unit: 'write request unit (1 KB; 2 in a transaction)', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  dynamoReadUnit: { usd: 0.125 / 1e6, unit: 'read request unit (4 KB strongly consistent; 0.5 eventually)', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  /** Scheduler bills invocations (a one-shot schedule fires once); API calls such as CreateSchedule are not billed. */
  schedulerInvocation: { usd: 1.0 / 1e6, unit: 'scheduled invocation', source: 'https://aws.amazon.com/eventbridge/pricing/' },
  /** Standard log class ingestion (Lambda logs, first tier). */
  logsIngestGb: { usd: 0.5, unit: 'GB ingested', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  /** Direct PUT / CloudWatch Logs source, first 500 TB; records rounded up to 5 KB. */
  firehoseIngestGb: { usd: 0.029, unit: 'GB ingested (5 KB increments)', source: 'https://aws.amazon.com/firehose/pricing/' },
  s3PutRequest: { usd: 0.005 / 1000, unit: 'PUT/COPY/POST/LIST request', source: 'https://aws.amazon.com/s3/pricing/' },
  s3GetRequest: { usd: 0.0004 / 1000, unit: 'GET request', source: 'https://aws.amazon.com/s3/pricing/' },
  snsPublish: { usd: 0.5 / 1e6, unit: 'publish (per 64 KB)', source: 'https://aws.amazon.com/sns/pricing/' },
  /** The functions run with active tracing (lib/functions.ts); sampled traces are billed when recorded. */
  xrayTraceRecorded: { usd: 5.0 / 1e6, unit: 'trace recorded', source: 'https://aws.amazon.com/xray/pricing/' },
} as const satisfies Record<string, Price>;

/** Amazon EventBridge API destinations: $1.00/M custom events put on a bus + $0.20/M API destination invocations. */
export const EVENTBRIDGE_API_DESTINATIONS_PER_MILLION = 1.2;
export const EVENTBRIDGE_API_DESTINATIONS_SOURCE =
  'https://aws.amazon.com/eventbridge/pricing/ (custom event $1.00/M + API destination invocation $0.20/M)';
