/**
 * Shared synthesized results for the infra tests. Synthesizing the stack (with cdk-nag) takes
 * seconds, so each variant is synthesized once and its results (template, logical ids by
 * construct path, nag report, annotations, acknowledgements) are cached on disk, keyed by a hash
 * of everything that shapes them: lib/, cdk.json, the table schema, package-lock.json and the
 * test support files. Every test file reads the same result; a change to any input synthesizes
 * again. This module imports no CDK code, so a cached read costs milliseconds.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Options as `cdk -c key=value` passes them (strings): every one differs from its default. */
export const CONFIGURED_CONTEXT = {
  alertEmail: 'ops@example.com',
  logRetentionDays: '90',
  attemptRetentionDays: '14',
  archiveTransitionDays: '60',
  archiveExpiryDays: '400',
  uniqueTenantEvent: 'true',
  deliveryIndexShards: '64',
  allowedPorts: '8443,9443',
  workerConcurrency: '25',
  workerBatchSize: '100',
  workerBatchingWindowSeconds: '1',
  workerInFlight: '50',
  receiverReservedConcurrency: '30',
  maxPayloadBytes: '524288',
  workerTimeoutSeconds: '45',
  receiverMemoryMb: '768',
  adminMemoryMb: '640',
  workerMemoryMb: '1536',
  throttleRateLimit: '50',
  throttleBurstLimit: '80',
};

/**
 * `defaults`: no options. `configured`: every option set, so each assertion proves the option is
 * wired through. `unsafe`: defaults plus findings nag must report (cdk-app.ts addUnsafeResources).
 */
export type Variant = 'defaults' | 'configured' | 'unsafe';

export interface Finding {
  readonly path: string;
  readonly id: string;
  readonly text: string;
}

export interface SynthResult {
  readonly stackName: string;
  readonly template: { Resources: Record<string, Resource>; Outputs?: Record<string, Output> };
  /** Construct path below the stack (`Receiver/Function/Resource`) → CloudFormation logical id. */
  readonly logicalIds: Record<string, string>;
  /** `app.synth()`'s error, if it threw (an unacknowledged nag finding does that). */
  readonly synthError?: string;
  /** cdk-nag violations after synthesis: what is left once acknowledgements are applied. */
  readonly nagViolations: { ruleName: string; severity: string; paths: string[] }[];
  /** Error and warning annotations anywhere in the app. */
  readonly annotations: (Finding & { level: 'error' | 'warning' })[];
  /** Every `Validations.acknowledge` in the app: the construct, the rule id, the reason. */
  readonly acknowledgements: Finding[];
}

type Props = Record<string, unknown>;
export interface Resource {
  readonly Type: string;
  readonly Properties: Props;
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}
export interface Output {
  readonly Value: unknown;
  readonly Description?: string;
  readonly Export?: unknown;
}

async function synthesizeVariant(variant: Variant): Promise<SynthResult> {
  const { synthesize, addUnsafeResources } = await import('./cdk-app.js');
  if (variant === 'configured') return synthesize(CONFIGURED_CONTEXT);
  return synthesize({}, variant === 'unsafe' ? addUnsafeResources : undefined);
}

/** Files whose content shapes the synthesized result. */
function inputFiles(): string[] {
  return [
    ...readdirSync(join(ROOT, 'lib')).map((f) => join('lib', f)),
    'cdk.json',
    'package-lock.json',
    'lambdas/adapters/dynamodb/table-schema.ts',
    // The route registry: the CDK routes and the API callers' policies are derived from it.
    ...readdirSync(join(ROOT, 'lambdas/handlers/api')).map((f) => join('lambdas/handlers/api', f)),
    'test/infra/support.ts',
    'test/infra/cdk-app.ts',
  ].sort();
}

function cacheKey(variant: Variant): string {
  const hash = createHash('sha256').update(variant).update(process.version);
  for (const file of inputFiles()) hash.update(file).update(readFileSync(join(ROOT, file)));
  return hash.digest('hex').slice(0, 24);
}

const CACHE_DIR = join(tmpdir(), 'hookline-infra-synth');
const LOCK_STALE_MS = 180_000;
const memo = new Map<Variant, Promise<SynthResult>>();
/** A process synthesizes one variant at a time, so another process can take the next one. */
let synthesizing = false;

async function loadOrSynthesize(variant: Variant): Promise<SynthResult> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, `${variant}-${cacheKey(variant)}.json`);
  const read = (): SynthResult | undefined => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as SynthResult;
    } catch {
      return undefined;
    }
  };
  // One test process synthesizes a variant while the others wait for its result (a lock directory).
  const lock = `${file}.lock`;
  for (;;) {
    const cached = read();
    if (cached) return cached;
    if (!synthesizing && tryLock(lock)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  synthesizing = true;
  try {
    const cached = read();
    if (cached) return cached;
    const result = await synthesizeVariant(variant);
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(result));
    renameSync(partial, file);
    for (const old of readdirSync(CACHE_DIR)) {
      if (old.startsWith(`${variant}-`) && old.endsWith('.json') && join(CACHE_DIR, old) !== file) rmSync(join(CACHE_DIR, old), { force: true });
    }
    return result;
  } finally {
    synthesizing = false;
    rmSync(lock, { recursive: true, force: true });
  }
}

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    // A lock left by a killed run is taken over once stale.
    const held = statSync(lock, { throwIfNoEntry: false });
    if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
    return false;
  }
}

/** The synthesized variant (cached on disk and per process). */
export function synthesized(variant: Variant = 'configured'): Promise<SynthResult> {
  let pending = memo.get(variant);
  if (!pending) {
    pending = loadOrSynthesize(variant);
    memo.set(variant, pending);
  }
  return pending;
}

/** Typed access to one synthesized template, by construct path. */
export class Synth {
  constructor(readonly result: SynthResult) {}

  /** The logical id of the construct at `path` below the stack (`Store/Table` or its `…/Resource`). */
  id(path: string): string {
    const id = this.result.logicalIds[`${path}/Resource`] ?? this.result.logicalIds[path];
    if (id === undefined) throw new Error(`no CloudFormation element at ${path}`);
    return id;
  }

  resource(path: string): Resource {
    const resource = this.result.template.Resources[this.id(path)];
    if (resource === undefined) throw new Error(`no resource ${this.id(path)} (${path})`);
    return { ...resource, Properties: resource.Properties ?? {} };
  }

  props(path: string): Props {
    return this.resource(path).Properties;
  }

  /** All resources of a CloudFormation type, by logical id. */
  ofType(type: string): Record<string, Resource> {
    return Object.fromEntries(
      Object.entries(this.result.template.Resources)
        .filter(([, r]) => r.Type === type)
        .map(([id, r]) => [id, { ...r, Properties: r.Properties ?? {} }]),
    );
  }

  output(name: string): Output | undefined {
    return this.result.template.Outputs?.[name];
  }

  ref(path: string) {
    return { Ref: this.id(path) };
  }

  getAtt(path: string, attribute = 'Arn') {
    return { 'Fn::GetAtt': [this.id(path), attribute] };
  }
}

/**
 * For `beforeAll`: a cold synthesis takes seconds, several under load while other processes wait
 * for it. Generous, as it bounds only a hang, never a measurement.
 */
export const SYNTH_TIMEOUT_MS = 300_000;

export async function loadSynth(variant: Variant = 'configured'): Promise<Synth> {
  return new Synth(await synthesized(variant));
}

/** Loads the `configured` and `defaults` variants (in parallel) before all tests of the calling file and hands them to `use`. */
export function beforeAllSynths(use: (loaded: { configured: Synth; defaults: Synth }) => void): void {
  beforeAll(async () => {
    const [configured, defaults] = await Promise.all([loadSynth('configured'), loadSynth('defaults')]);
    use({ configured, defaults });
  }, SYNTH_TIMEOUT_MS);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, unknown>;
  Principal?: unknown;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every identity-policy statement: AWS::IAM::Policy documents (per attached role), roles' inline policies and managed policies (owned by themselves). */
export function identityStatements(synth: Synth): { owner: string; statement: Statement }[] {
  const out: { owner: string; statement: Statement }[] = [];
  for (const [id, resource] of Object.entries(synth.ofType('AWS::IAM::ManagedPolicy'))) {
    for (const statement of (resource.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement) out.push({ owner: id, statement });
  }
  for (const [id, resource] of Object.entries(synth.ofType('AWS::IAM::Policy'))) {
    const props = resource.Properties as { PolicyDocument: { Statement: Statement[] }; Roles?: { Ref: string }[] };
    const owners = props.Roles?.map((r) => r.Ref) ?? [id];
    for (const owner of owners) for (const statement of props.PolicyDocument.Statement) out.push({ owner, statement });
  }
  for (const [id, resource] of Object.entries(synth.ofType('AWS::IAM::Role'))) {
    const policies = (resource.Properties as { Policies?: { PolicyDocument: { Statement: Statement[] } }[] }).Policies ?? [];
    for (const policy of policies) for (const statement of policy.PolicyDocument.Statement) out.push({ owner: id, statement });
  }
  return out;
}

/** Action → the resources one role is allowed it on (JSON-encoded, sorted), over all its policies. */
export function rolePermissions(synth: Synth, roleLogicalId: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { owner, statement } of identityStatements(synth)) {
    if (owner !== roleLogicalId || statement.Effect !== 'Allow') continue;
    for (const action of asArray(statement.Action)) {
      const resources = out.get(action) ?? [];
      resources.push(...asArray(statement.Resource).map((r) => JSON.stringify(r)));
      out.set(action, [...new Set(resources)].sort());
    }
  }
  return out;
}
