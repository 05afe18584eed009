/** `hookline subscriptions …`: create, list, get, update, delete, enable, disable, test, rotate-secret, secret, put, remove. */
import type { Command } from 'commander';
import { addPageFlags, addRequestCommand, CommandContext, obj, pageItems, pageQuery, type CliDeps, type CliIo, type ContextOf } from '../context.js';
import { TestDeliveryFailedError, UsageError } from '../errors.js';
import { columns, duration, fieldsOf, renderFields, renderTable } from '../format.js';
import { createSubscriptionSchema, patchSubscriptionSchema } from '../../lambdas/core/subscription-schema.js';
import { tenantSubscriptionSchema } from '../../lambdas/core/services/tenant-subscriptions.js';
import { SUBSCRIPTION_STATUSES } from '../../lambdas/core/model.js';
import { parseInteger } from '../parse.js';
import { checkBody, checkChoice } from '../request-checks.js';
import { addSubscriptionFlags, buildSubscriptionBody, type SubscriptionFlags } from '../subscription-body.js';

const path = (id: string, suffix = ''): string => `/v1/subscriptions/${encodeURIComponent(id)}${suffix}`;
/**
 * A tenant's subscription for one event type. The route's last variable is greedy, so a topic's
 * `/` is sent as is (no `%2F` for API Gateway to decode before it routes).
 */
const tenantPath = (tenant: string, eventType: string): string =>
  `/v1/tenants/${encodeURIComponent(tenant)}/subscriptions/${eventType.split('/').map(encodeURIComponent).join('/')}`;

function signingLabel(signing: unknown): string | undefined {
  const s = obj(signing);
  if (typeof s.scheme !== 'string') return undefined;
  return s.header ? `${s.scheme} (${String(s.header)})` : s.scheme;
}

export function renderSubscription(body: unknown): string {
  const s = obj(body);
  const unlessEmpty = (value: unknown) => (value && Object.keys(obj(value)).length ? value : undefined);
  let text = renderFields(
    fieldsOf(s, {
      ID: 'id',
      Status: () => (s.disabledReason ? `${String(s.status)} (${String(s.disabledReason)})` : s.status),
      URL: 'url', 'Event types': 'eventTypes', Tenant: 'tenant', Fallback: 'fallback', Method: 'method', Format: 'format', Envelope: 'envelope', Preset: 'preset',
      Signing: () => signingLabel(s.signing),
      Auth: () => obj(s.auth).type,
      'Custom headers': () => unlessEmpty(s.customHeaders),
      Timeout: () => duration(s.timeoutMs),
      'Accept statuses': 'acceptStatuses', 'Retry on': 'retryOn', 'Retry policy': 'retryPolicy', 'Failure policy': 'failurePolicy', Description: 'description',
      Metadata: () => unlessEmpty(s.metadata),
      Created: 'createdAt', Updated: 'updatedAt',
    }),
  );
  if (typeof s.secret === 'string') text += `\nSigning secret (shown once, store it now): ${s.secret}\n`;
  return text;
}

export function renderSubscriptionList(body: unknown): string {
  return renderTable(
    pageItems(body),
    columns({ ID: 'id', STATUS: 'status', TENANT: 'tenant', 'EVENT TYPES': 'eventTypes', URL: 'url', PRESET: 'preset', CREATED: 'createdAt' }),
  );
}

/** The attempt returned by the test routes: `{ attempt: {…} }`. */
export function renderTestAttempt(body: unknown): string {
  const a = obj(obj(body).attempt ?? body);
  const fields = fieldsOf(a, {
    Outcome: 'outcome', 'Status code': 'statusCode', Duration: () => duration(a.durationMs), Reason: 'reason', Started: 'startedAt', Response: 'responseExcerpt',
  });
  for (const [k, v] of Object.entries(obj(a.signatureHeaders ?? a.requestHeaders))) fields.push([`Sent ${k}`, v]);
  return renderFields(fields);
}

/** `{ secret }`, and after rotation `{ secret, previousSecretExpiresAt }`. */
export function renderSecret(body: unknown): string {
  const b = obj(body);
  let text = `${String(b.secret ?? '-')}\n`;
  if (typeof b.previousSecretExpiresAt === 'string') text += `The previous secret keeps signing until ${b.previousSecretExpiresAt}.\n`;
  return text;
}

export function registerSubscriptions(program: Command, io: CliIo, deps: CliDeps): void {
  const group = program.command('subscriptions').alias('subs').description('manage subscriptions (endpoints and what they receive)');
  const ctx: ContextOf = (cmd) => CommandContext.of(cmd, io, deps);
  registerLifecycle(group, ctx);
  registerTest(group, ctx);
  registerSecrets(group, ctx);
  registerByTenantEventType(group, ctx);
}

/** create, list, get, update, delete, enable, disable. */
function registerLifecycle(group: Command, ctx: ContextOf): void {
  addSubscriptionFlags(group.command('create').description('create a subscription; prints the signing secret once')).action(
    async (flags: SubscriptionFlags, cmd: Command) => {
      const c = ctx(cmd);
      const body = await buildSubscriptionBody(flags);
      checkBody(createSubscriptionSchema, body, 'subscription');
      c.print(await c.request('POST', '/v1/subscriptions', { body }), renderSubscription);
    },
  );

  addPageFlags(
    group
      .command('list')
      .description('list subscriptions')
      .option('--tenant <tenant>', 'only this tenant')
      .option('--event-type <type>', 'only subscriptions receiving this event type')
      .option('--status <status>', `${SUBSCRIPTION_STATUSES.join(', ')} (deleted: by the failure policy, listed only when asked for)`),
  ).action(async (o: { tenant?: string; eventType?: string; status?: string; limit?: string; cursor?: string }, cmd: Command) => {
    const c = ctx(cmd);
    const res = await c.request('GET', '/v1/subscriptions', {
      query: { tenant: o.tenant, eventType: o.eventType, status: checkChoice('--status', o.status, SUBSCRIPTION_STATUSES), ...pageQuery(o) },
    });
    c.printPage(res, renderSubscriptionList);
  });

  addRequestCommand(group, ctx, 'get <id>', 'show a subscription (credentials masked)', (id) => ['GET', path(id)], renderSubscription);

  addSubscriptionFlags(group.command('update <id>').description('change the given fields of a subscription'), { update: true }).action(
    async (id: string, flags: SubscriptionFlags, cmd: Command) => {
      const c = ctx(cmd);
      const body = await buildSubscriptionBody(flags);
      checkBody(patchSubscriptionSchema, body, 'update');
      c.print(await c.request('PATCH', path(id), { body }), renderSubscription);
    },
  );

  addRequestCommand(group, ctx, 'delete <id>', 'delete a subscription', (id) => ['DELETE', path(id)], (_body, [id]) => `Deleted ${id}\n`);
  for (const action of ['enable', 'disable'] as const) {
    addRequestCommand(group, ctx, `${action} <id>`, `${action} a subscription`, (id) => ['POST', path(id, `/${action}`)], renderSubscription);
  }

}

function registerTest(group: Command, ctx: ContextOf): void {
  addSubscriptionFlags(
    group
      .command('test [id]')
      .description('deliver a hookline.test event now; without ID, tests the subscription given by flags without saving it'),
  ).action(async (id: string | undefined, flags: SubscriptionFlags, cmd: Command) => {
    const c = ctx(cmd);
    const body = await buildSubscriptionBody(flags);
    // A saved subscription is tested as stored; flags would be silently ignored.
    if (id && Object.keys(body).length > 0) throw new UsageError('subscriptions test ID takes no subscription flags (run update first, or test without ID)');
    const res = id ? await c.request('POST', path(id, '/test')) : await c.request('POST', '/v1/subscriptions/test', { body });
    c.print(res, renderTestAttempt);
    // Scripts can gate on the endpoint: `hookline subscriptions test ID && deploy`.
    const attempt = obj(obj(res.body).attempt);
    if (attempt.outcome !== 'success') {
      const status = attempt.statusCode === undefined ? '' : ` (HTTP ${String(attempt.statusCode)})`;
      throw new TestDeliveryFailedError(`the test delivery failed: ${String(attempt.outcome)}${status}${attempt.reason ? `, ${String(attempt.reason)}` : ''}`);
    }
  });

}

/** rotate-secret and secret. */
function registerSecrets(group: Command, ctx: ContextOf): void {
  group
    .command('rotate-secret <id>')
    .description('issue a new signing secret; the old one stays valid for the grace period (standard-webhooks signs with both)')
    .option('--grace-seconds <n>', 'how long the old secret stays valid (API default: 86400)')
    .option('--secret <secret>', 'your own new secret instead of a generated one')
    .action(async (id: string, o: { graceSeconds?: string; secret?: string }, cmd: Command) => {
      const c = ctx(cmd);
      const fields = {
        ...(o.graceSeconds !== undefined && { graceSeconds: parseInteger('--grace-seconds', o.graceSeconds) }),
        ...(o.secret !== undefined && { secret: o.secret }),
      };
      const body = Object.keys(fields).length === 0 ? undefined : fields;
      c.print(await c.request('POST', path(id, '/rotate-secret'), body ? { body } : {}), renderSecret);
    });

  addRequestCommand(group, ctx, 'secret <id>', 'print the current signing secret', (id) => ['GET', path(id, '/secret')], renderSecret);
}

/** put and remove: the tenant's one subscription per event type (TikTok Shop's Event API shape). */
function registerByTenantEventType(group: Command, ctx: ContextOf): void {
  addSubscriptionFlags(
    group
      .command('put <tenant> <event-type>')
      .description("create or replace the tenant's one subscription for an event type (TikTok Shop style); prints the secret when it creates"),
  ).action(async (tenant: string, eventType: string, flags: SubscriptionFlags, cmd: Command) => {
    const c = ctx(cmd);
    if (flags.tenant !== undefined || flags.eventTypes !== undefined) throw new UsageError('subscriptions put takes the tenant and the event type as arguments, not as --tenant/--event-types');
    const body = await buildSubscriptionBody(flags);
    checkBody(tenantSubscriptionSchema, body, 'subscription');
    const res = await c.request('PUT', tenantPath(tenant, eventType), { body });
    c.print(res, (b) => `${res.status === 201 ? 'Created' : 'Replaced'} the subscription of ${tenant} for ${eventType}\n${renderSubscription(b)}`);
  });

  addRequestCommand(
    group,
    ctx,
    'remove <tenant> <event-type>',
    "delete the tenant's one subscription for an event type",
    (tenant, eventType) => ['DELETE', tenantPath(tenant, eventType)],
    (_body, [tenant, eventType]) => `Removed the subscription of ${tenant} for ${eventType}\n`,
  );
}
