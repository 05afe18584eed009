/** `hookline subscriptions …`: create, list, get, update, delete, enable, disable, test, rotate-secret, secret, put, remove. */
import type { Command } from 'commander';
import { CommandContext, obj, pageItems, type CliDeps, type CliIo, type Obj } from '../context.js';
import { TestDeliveryFailedError, UsageError } from '../errors.js';
import { duration, renderFields, renderTable } from '../format.js';
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
  const fields: Array<readonly [string, unknown]> = [
    ['ID', s.id],
    ['Status', s.disabledReason ? `${String(s.status)} (${String(s.disabledReason)})` : s.status],
    ['URL', s.url],
    ['Event types', s.eventTypes],
    ['Tenant', s.tenant],
    ['Fallback', s.fallback],
    ['Method', s.method],
    ['Format', s.format],
    ['Envelope', s.envelope],
    ['Preset', s.preset],
    ['Signing', signingLabel(s.signing)],
    ['Auth', obj(s.auth).type],
    ['Custom headers', s.customHeaders && Object.keys(obj(s.customHeaders)).length ? s.customHeaders : undefined],
    ['Timeout', duration(s.timeoutMs)],
    ['Accept statuses', s.acceptStatuses],
    ['Retry on', s.retryOn],
    ['Retry policy', s.retryPolicy],
    ['Failure policy', s.failurePolicy],
    ['Description', s.description],
    ['Metadata', s.metadata && Object.keys(obj(s.metadata)).length ? s.metadata : undefined],
    ['Created', s.createdAt],
    ['Updated', s.updatedAt],
  ];
  let text = renderFields(fields);
  if (typeof s.secret === 'string') text += `\nSigning secret (shown once, store it now): ${s.secret}\n`;
  return text;
}

export function renderSubscriptionList(body: unknown): string {
  return renderTable(pageItems(body), [
    { header: 'ID', value: (s: Obj) => s.id },
    { header: 'STATUS', value: (s) => s.status },
    { header: 'TENANT', value: (s) => s.tenant },
    { header: 'EVENT TYPES', value: (s) => s.eventTypes },
    { header: 'URL', value: (s) => s.url },
    { header: 'PRESET', value: (s) => s.preset },
    { header: 'CREATED', value: (s) => s.createdAt },
  ]);
}

/** The attempt returned by the test routes: `{ attempt: {…} }`. */
export function renderTestAttempt(body: unknown): string {
  const a = obj(obj(body).attempt ?? body);
  const fields: Array<readonly [string, unknown]> = [
    ['Outcome', a.outcome],
    ['Status code', a.statusCode],
    ['Duration', duration(a.durationMs)],
    ['Reason', a.reason],
    ['Started', a.startedAt],
    ['Response', a.responseExcerpt],
  ];
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

type ContextOf = (cmd: Command) => CommandContext;

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

  group
    .command('list')
    .description('list subscriptions')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--event-type <type>', 'only subscriptions receiving this event type')
    .option('--status <status>', `${SUBSCRIPTION_STATUSES.join(', ')} (deleted: by the failure policy, listed only when asked for)`)
    .option('--limit <n>', 'page size')
    .option('--cursor <cursor>', 'continue from a previous page')
    .action(async (o: { tenant?: string; eventType?: string; status?: string; limit?: string; cursor?: string }, cmd: Command) => {
      const c = ctx(cmd);
      const limit = o.limit === undefined ? undefined : parseInteger('--limit', o.limit, 1);
      const res = await c.request('GET', '/v1/subscriptions', {
        query: { tenant: o.tenant, eventType: o.eventType, status: checkChoice('--status', o.status, SUBSCRIPTION_STATUSES), limit, cursor: o.cursor },
      });
      c.printPage(res, renderSubscriptionList);
    });

  group
    .command('get <id>')
    .description('show a subscription (credentials masked)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd);
      c.print(await c.request('GET', path(id)), renderSubscription);
    });

  addSubscriptionFlags(group.command('update <id>').description('change the given fields of a subscription'), { update: true }).action(
    async (id: string, flags: SubscriptionFlags, cmd: Command) => {
      const c = ctx(cmd);
      const body = await buildSubscriptionBody(flags);
      checkBody(patchSubscriptionSchema, body, 'update');
      c.print(await c.request('PATCH', path(id), { body }), renderSubscription);
    },
  );

  group
    .command('delete <id>')
    .description('delete a subscription')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd);
      c.print(await c.request('DELETE', path(id)), () => `Deleted ${id}\n`);
    });

  for (const action of ['enable', 'disable'] as const) {
    group
      .command(`${action} <id>`)
      .description(`${action} a subscription`)
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const c = ctx(cmd);
        c.print(await c.request('POST', path(id, `/${action}`)), renderSubscription);
      });
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

  group
    .command('secret <id>')
    .description('print the current signing secret')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd);
      c.print(await c.request('GET', path(id, '/secret')), renderSecret);
    });
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

  group
    .command('remove <tenant> <event-type>')
    .description("delete the tenant's one subscription for an event type")
    .action(async (tenant: string, eventType: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd);
      c.print(await c.request('DELETE', tenantPath(tenant, eventType)), () => `Removed the subscription of ${tenant} for ${eventType}\n`);
    });
}
