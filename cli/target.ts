/**
 * Where the CLI sends requests and how it authenticates them.
 *
 * Endpoint: `--endpoint`, else `HOOKLINE_ENDPOINT`, else the `ApiUrl` output of the
 * CloudFormation stack (`--stack-name`). Requests to a deployed endpoint are SigV4-signed
 * with the default AWS credential chain; local mode (plain http on loopback) is not signed,
 * since it does not check signatures (signing it would be harmless; `--sign` forces it).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { EnvironmentError, UsageError } from './errors.js';
import type { AwsCredentials } from './sigv4.js';

export interface GlobalOptions {
  endpoint?: string;
  region?: string;
  profile?: string;
  /** @default 'Hookline' */
  stackName?: string;
  json?: boolean;
  /** Sign even a local endpoint. @default false */
  sign?: boolean;
}

export interface SigningTarget {
  region: string;
  credentials: () => Promise<AwsCredentials>;
}

export interface Target {
  /** Base URL without trailing slash, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`. */
  baseUrl: string;
  /** Absent for unsigned (local) targets. */
  signing?: SigningTarget;
}

/** Test seams; production uses the AWS SDK defaults. */
export interface TargetDeps {
  credentials?: (profile: string | undefined) => () => Promise<AwsCredentials>;
}

/** The name of the CloudFormation stack output that holds the API URL. */
export const API_URL_OUTPUT = 'ApiUrl';

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Plain http to a loopback host: local mode, which is never signed by default. */
export function isLocalEndpoint(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname);
}

/** `abc123.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`. */
export function regionFromHost(hostname: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i.exec(hostname)?.[1];
}

function parseEndpoint(raw: string, origin: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${origin} is not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${origin} must be http(s): ${raw}`);
  return url;
}

function cloudFormationClient(options: GlobalOptions): CloudFormationClient {
  return new CloudFormationClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  });
}

/** Reads the `ApiUrl` output of the stack. */
export async function discoverEndpoint(options: GlobalOptions): Promise<string> {
  const stackName = options.stackName ?? 'Hookline';
  const client = cloudFormationClient(options);
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const url = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === API_URL_OUTPUT)?.OutputValue;
    if (!url) throw new EnvironmentError(`stack ${stackName} has no ${API_URL_OUTPUT} output; pass --endpoint`);
    return url;
  } catch (err) {
    if (err instanceof EnvironmentError) throw err;
    throw new EnvironmentError(
      `cannot discover the API endpoint from stack ${stackName} (${(err as Error).message}); pass --endpoint or set HOOKLINE_ENDPOINT`,
      { cause: err },
    );
  } finally {
    client.destroy();
  }
}

/** Region for signing: `--region`, the execute-api host name, `AWS_REGION`/`AWS_DEFAULT_REGION`, the profile. */
async function resolveRegion(options: GlobalOptions, url: URL, env: Record<string, string | undefined>): Promise<string> {
  const fromConfig = options.region ?? regionFromHost(url.hostname) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromConfig) return fromConfig;
  const client = cloudFormationClient(options);
  try {
    return await client.config.region();
  } catch (err) {
    throw new EnvironmentError('no AWS region: pass --region, set AWS_REGION, or configure the profile', { cause: err });
  } finally {
    client.destroy();
  }
}

function defaultCredentials(profile: string | undefined): () => Promise<AwsCredentials> {
  const provider = defaultProvider(profile ? { profile } : {});
  return async () => {
    try {
      return await provider();
    } catch (err) {
      throw new EnvironmentError(`no AWS credentials (${(err as Error).message})`, { cause: err });
    }
  };
}

export async function resolveTarget(
  options: GlobalOptions,
  env: Record<string, string | undefined>,
  deps: TargetDeps = {},
): Promise<Target> {
  const raw = options.endpoint ?? env.HOOKLINE_ENDPOINT;
  const url = raw
    ? parseEndpoint(raw, options.endpoint ? '--endpoint' : 'HOOKLINE_ENDPOINT')
    : parseEndpoint(await discoverEndpoint(options), `stack output ${API_URL_OUTPUT}`);
  const baseUrl = url.toString().replace(/\/+$/, '');
  if (isLocalEndpoint(url) && !options.sign) return { baseUrl };
  const region = await resolveRegion(options, url, env);
  const credentials = (deps.credentials ?? defaultCredentials)(options.profile);
  return { baseUrl, signing: { region, credentials } };
}
