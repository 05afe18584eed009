/**
 * Shared setup for the infra tests. Synthesizing the stack (with cdk-nag) takes seconds, so each
 * variant is synthesized once and its results (template, logical ids by construct path, nag
 * report, annotations, acknowledgements) are cached on disk, keyed by a hash of everything that
 * shapes the template: lib/, cdk.json, the table schema, package-lock.json and this file. Every
 * test file then reads the same result; a change to any input synthesizes again.
 * Handlers are not bundled here: these tests assert configuration, not code.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { defineHooklineApp } from '../../lib/app.js';
import type { HooklineStack } from '../../lib/hookline-stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The context block of cdk.json (feature flags), so tests build what `cdk synth` builds. */
export function cdkContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/** An App like the CLI's (cdk.json flags plus `extra` context) that skips bundling. */
export function newApp(extra: Record<string, unknown> = {}): App {
  return new App({
    outdir: mkdtempSync(join(tmpdir(), 'hookline-cdk-')),
    context: { ...cdkContext(), ...extra, 'aws:cdk:bundling-stacks': [] },
  });
}

/** Options as `cdk -c key=value` passes them (strings): every one differs from its default. */
const CONFIGURED_CONTEXT = {
  alertEmail: 'ops@example.com',
  logRetentionDays: '90',
  attemptRetentionDays: '14',
  archiveTransitionDays: '60',
  archiveExpiryDays: '400',
  uniqueTenantEvent: 'true',
  allowedPorts: '8443,9443',
  workerConcurrency: '25',
  maxPayloadBytes: '524288',
  workerTimeoutSeconds: '45',
  receiverMemoryMb: '768',
  adminMemoryMb: '640',
  workerMemoryMb: '1536',
  throttleRateLimit: '50',
  throttleBurstLimit: '80',
};

/**
 * The synthesized variants. `configured` sets every option so each assertion proves the option
 * is wired through; `unsafe` adds two findings to the real app to prove nag stops synth.
 */
export const VARIANTS = {
  defaults: { context: {} },
  configured: { context: CONFIGURED_CONTEXT },
  unsafe: {
    context: {},
    tamper: (stack: HooklineStack) => {
      const queue = new sqs.Queue(stack, 'UnsafeQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'Probe: this finding is acknowledged.' });
      stack.receiver.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: ['*'] }));
    },
  },
} as const satisfies Record<string, { context: Record<string, string>; tamper?: (stack: HooklineStack) => void }>;
export type Variant = keyof typeof VARIANTS;

export interface Finding {
  readonly path: string;
  readonly id: string;
  readonly text: string;
}

export interface SynthResult {
  readonly stackName: string;
  readonly template: Record<string, unknown>;
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

function synthesize(variant: Variant): SynthResult {
  const spec: { context: Record<string, string>; tamper?: (stack: HooklineStack) => void } = VARIANTS[variant];
  const app = newApp(spec.context);
  const { stack, nag } = defineHooklineApp(app);
  spec.tamper?.(stack);
  let synthError: string | undefined;
  try {
    app.synth();
  } catch (error) {
    synthError = String(error);
  }
  // Templates are written before validation runs, so they exist even when nag made synth throw.
  const template = JSON.parse(readFileSync(join(app.outdir, stack.templateFile), 'utf8')) as Record<string, unknown>;
  const below = (c: IConstruct) => c.node.path.slice(stack.node.path.length + 1);

  const logicalIds: Record<string, string> = {};
  const annotations: SynthResult['annotations'] = [];
  const acknowledgements: Finding[] = [];
  for (const construct of app.node.findAll()) {
    if (CfnElement.isCfnElement(construct) && Stack.of(construct) === stack) {
      logicalIds[below(construct)] = stack.getLogicalId(construct);
    }
    for (const entry of construct.node.metadata) {
      if (entry.type === 'aws:cdk:error' || entry.type === 'aws:cdk:warning') {
        const level = entry.type === 'aws:cdk:error' ? 'error' : 'warning';
        annotations.push({ level, path: construct.node.path, id: '', text: String(entry.data) });
      }
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledgements.push({ path: below(construct), id: id.replace(/^annotation::/i, ''), text: reason });
        }
      }
    }
  }
  const report = nag.validateScope(app);
  rmSync(app.outdir, { recursive: true, force: true });
  return {
    stackName: stack.stackName,
    template,
    logicalIds,
    ...(synthError !== undefined && { synthError }),
    nagViolations: report.violations.map((v) => ({
      ruleName: v.ruleName,
      severity: v.severity ?? 'error',
      paths: v.violatingResources.map((r) => r.constructPath),
    })),
    annotations,
    acknowledgements,
  };
}

/** Files whose content shapes the synthesized result. */
function inputFiles(): string[] {
  const lib = readdirSync(join(ROOT, 'lib')).map((f) => join(ROOT, 'lib', f));
  return [
    ...lib,
    join(ROOT, 'cdk.json'),
    join(ROOT, 'package-lock.json'),
    join(ROOT, 'lambdas/adapters/dynamodb/table-schema.ts'),
    fileURLToPath(import.meta.url),
  ].sort();
}

function cacheKey(variant: Variant): string {
  const hash = createHash('sha256').update(variant).update(process.version);
  for (const file of inputFiles()) hash.update(relative(ROOT, file)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 24);
}

const CACHE_DIR = join(tmpdir(), 'hookline-infra-synth');
const LOCK_STALE_MS = 120_000;
const memo = new Map<Variant, Promise<SynthResult>>();

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
  // One test file synthesizes while the others wait for its result (a lock directory).
  const lock = `${file}.lock`;
  for (;;) {
    const cached = read();
    if (cached) return cached;
    try {
      mkdirSync(lock);
      break;
    } catch {
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    const cached = read();
    if (cached) return cached;
    const result = synthesize(variant);
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(result));
    renameSync(partial, file);
    for (const old of readdirSync(CACHE_DIR)) {
      if (old.startsWith(`${variant}-`) && old.endsWith('.json') && join(CACHE_DIR, old) !== file) rmSync(join(CACHE_DIR, old), { force: true });
    }
    return result;
  } finally {
    rmSync(lock, { recursive: true, force: true });
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

type Props = Record<string, unknown>;
export interface Resource {
  readonly Type: string;
  readonly Properties: Props;
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** Typed access to one synthesized template. */
export class Synth {
  readonly template: Template;

  constructor(readonly result: SynthResult) {
    this.template = Template.fromJSON(result.template);
  }

  /** The logical id of the construct at `path` below the stack (`Store/Table` or its `…/Resource`). */
  id(path: string): string {
    const id = this.result.logicalIds[`${path}/Resource`] ?? this.result.logicalIds[path];
    if (id === undefined) throw new Error(`no CloudFormation element at ${path}`);
    return id;
  }

  resource(path: string): Resource {
    const resources = this.result.template.Resources as Record<string, Resource>;
    const resource = resources[this.id(path)];
    if (resource === undefined) throw new Error(`no resource ${this.id(path)} (${path})`);
    return { ...resource, Properties: resource.Properties ?? {} };
  }

  props(path: string): Props {
    return this.resource(path).Properties;
  }

  /** All resources of a CloudFormation type, by logical id. */
  ofType(type: string): Record<string, Resource> {
    return this.template.findResources(type) as Record<string, Resource>;
  }

  ref(path: string) {
    return { Ref: this.id(path) };
  }

  getAtt(path: string, attribute = 'Arn') {
    return { 'Fn::GetAtt': [this.id(path), attribute] };
  }
}

export async function loadSynth(variant: Variant = 'configured'): Promise<Synth> {
  return new Synth(await synthesized(variant));
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, unknown>;
  Principal?: unknown;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every identity-policy statement in the template: AWS::IAM::Policy documents and roles' inline policies, with the role. */
export function identityStatements(template: Template): { owner: string; statement: Statement }[] {
  const out: { owner: string; statement: Statement }[] = [];
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const props = resource.Properties as { PolicyDocument: { Statement: Statement[] }; Roles?: { Ref: string }[] };
    const owners = props.Roles?.map((r) => r.Ref) ?? [id];
    for (const owner of owners) for (const statement of props.PolicyDocument.Statement) out.push({ owner, statement });
  }
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    const policies = (resource.Properties as { Policies?: { PolicyDocument: { Statement: Statement[] } }[] }).Policies ?? [];
    for (const policy of policies) for (const statement of policy.PolicyDocument.Statement) out.push({ owner: id, statement });
  }
  return out;
}

/** The statements attached to one role (inline or through its AWS::IAM::Policy resources). */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  return identityStatements(template)
    .filter((s) => s.owner === roleLogicalId)
    .map((s) => s.statement);
}

/** Action → the resources it is allowed on, for one role (sorted, JSON-encoded resources). */
export function rolePermissions(template: Template, roleLogicalId: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const statement of roleStatements(template, roleLogicalId)) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asArray(statement.Action)) {
      const resources = out.get(action) ?? [];
      resources.push(...asArray(statement.Resource).map((r) => JSON.stringify(r)));
      out.set(action, [...new Set(resources)].sort());
    }
  }
  return out;
}
