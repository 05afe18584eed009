/**
 * Customer-managed policies for the API's callers, derived from the route registry's `access`
 * class per route: `ProducerPolicy` (send events), `OperatorPolicy` (every route), `ReadOnlyPolicy`
 * (the `read` routes). Each allows `execute-api:Invoke` on its routes only. A route parameter
 * becomes `*` in the ARN, and IAM's `*` also matches `/`, so `GET /v1/subscriptions/*` would cover
 * `GET /v1/subscriptions/{id}/secret`: every route outside the class that an allowed pattern
 * matches is denied explicitly in the same policy.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { AccessClass, ApiRoute } from '../lambdas/handlers/api/routes.js';
import { acknowledgeWildcardResources } from './nag.js';

/** The access classes each policy grants. */
export const API_POLICIES = {
  ProducerPolicy: { classes: ['producer'], description: 'Hookline API: send events (POST /v1/events and the batch route) only' },
  OperatorPolicy: { classes: ['producer', 'operator', 'read'], description: 'Hookline API: every route' },
  ReadOnlyPolicy: { classes: ['read'], description: 'Hookline API: GET routes except the signing secret' },
} as const satisfies Record<string, { classes: readonly AccessClass[]; description: string }>;

export type ApiPolicyName = keyof typeof API_POLICIES;

/** `METHOD/path` as it ends an execute-api ARN, each `{param}` a `*`. */
export function routeResource(route: Pick<ApiRoute, 'method' | 'path'>): string {
  return `${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;
}

/** What a policy allows and what it must deny because an allowed pattern also matches it. */
export function accessPlan(routes: readonly ApiRoute[], classes: readonly AccessClass[]): { allow: string[]; deny: string[] } {
  const allow = routes.filter((r) => classes.includes(r.access)).map(routeResource);
  const deny = routes
    .filter((r) => !classes.includes(r.access))
    .filter((r) => allow.some((pattern) => globMatches(pattern, `${r.method}${r.path}`)))
    .map(routeResource);
  return { allow: [...new Set(allow)], deny: [...new Set(deny)] };
}

/** IAM ARN matching: `*` is any run of characters (slashes included), `?` any one character. */
export function globMatches(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

export interface ApiPoliciesProps {
  readonly httpApi: apigwv2.IHttpApi;
  readonly routes: readonly ApiRoute[];
}

export class ApiPolicies extends Construct {
  readonly policies: Record<ApiPolicyName, iam.ManagedPolicy>;

  constructor(scope: Construct, id: string, props: ApiPoliciesProps) {
    super(scope, id);
    const arn = (resource: string): string =>
      // Stage `*`: the API has only `$default`, and CDK's own route grants use `*` as well.
      Stack.of(this).formatArn({ service: 'execute-api', resource: props.httpApi.apiId, arnFormat: ArnFormat.SLASH_RESOURCE_NAME, resourceName: `*/${resource}` });
    const entries = Object.entries(API_POLICIES).map(([name, { classes, description }]) => {
      const plan = accessPlan(props.routes, classes);
      const statements = [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: plan.allow.map(arn) })];
      if (plan.deny.length > 0) {
        statements.push(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['execute-api:Invoke'], resources: plan.deny.map(arn) }));
      }
      const policy = new iam.ManagedPolicy(this, name, { description, statements });
      acknowledgeWildcardResources(
        policy,
        plan.allow.map(arn),
        "Scoped to this API's routes: the stage wildcard covers its only stage ($default) and any other wildcard is one route path parameter (an id); what such a wildcard would also match outside the class is denied.",
      );
      return [name, policy] as const;
    });
    this.policies = Object.fromEntries(entries) as Record<ApiPolicyName, iam.ManagedPolicy>;
  }
}
