/** Subscription list (filter by tenant, event type, status) and one subscription with its actions. */
import { useState } from 'preact/hooks';
import { api, query, type Page } from './api.js';
import { streakOf, SUBSCRIPTION_STATUSES, type Attempt, type Subscription } from './model.js';
import { navigate, type Route } from './router.js';
import { AttemptsTable } from './attempts.js';
import { time } from './format.js';
import { ConfirmButton, Field, html, Loading, PageEnd, PageHead, Problem, Select, StatusBadge, useAction, useFocusHeading, useLoad } from './ui.js';

export function SubscriptionList({ route }: { route: Route }) {
  const heading = useFocusHeading('subscriptions');
  const filters = { tenant: route.params.get('tenant') ?? '', eventType: route.params.get('eventType') ?? '', status: route.params.get('status') ?? '' };
  const [draft, setDraft] = useState(filters);
  const [cursor, setCursor] = useState<string>();
  const key = `${JSON.stringify(filters)}|${cursor ?? ''}`;
  const state = useLoad(() => api<Page<Subscription>>('GET', `/v1/subscriptions${query({ ...filters, cursor })}`), key);
  const apply = (e: Event) => {
    e.preventDefault();
    setCursor(undefined);
    navigate(`/subscriptions${query(draft)}`);
  };
  return html`<div>
    <h1 tabindex="-1" ref=${heading}>Subscriptions</h1>
    <p><a class="button primary" href="#/subscriptions/new">New subscription</a></p>
    <form class="filters" role="search" aria-label="Filter subscriptions" onSubmit=${apply}>
      <${Field} label="Tenant" value=${draft.tenant} onInput=${(v: string) => setDraft({ ...draft, tenant: v })} error=${state.error?.fieldError('tenant')} />
      <${Field} label="Event type" value=${draft.eventType} onInput=${(v: string) => setDraft({ ...draft, eventType: v })} error=${state.error?.fieldError('eventType')} />
      <${Select} label="Status" value=${draft.status} options=${SUBSCRIPTION_STATUSES} empty="any" onChange=${(v: string) => setDraft({ ...draft, status: v })} />
      <button type="submit">Filter</button>
    </form>
    <${Problem} error=${state.error} />
    ${state.loading && !state.data && html`<${Loading} what="subscriptions" />`}
    ${state.data &&
    html`<table>
      <caption class="sr-only">Subscriptions</caption>
      <thead><tr><th scope="col">Id</th><th scope="col">URL</th><th scope="col">Event types</th><th scope="col">Tenant</th><th scope="col">Status</th><th scope="col">Streak</th></tr></thead>
      <tbody>${state.data.items.map(
        (s) => html`<tr>
          <td><a href=${`#/subscriptions/${s.id}`}>${s.id}</a></td><td class="url">${s.url}</td><td>${s.eventTypes.join(', ')}</td>
          <td>${s.tenant ?? '—'}</td><td><${StatusBadge} status=${s.status} /></td><td>${s.consecutiveFailures ?? 0}</td>
        </tr>`,
      )}</tbody>
    </table>
    <${PageEnd} page=${state.data} none="No subscription matches." onNext=${setCursor} />`}
  </div>`;
}

function Details({ sub }: { sub: Subscription }) {
  const rows: [string, unknown][] = [
    ['URL', sub.url], ['Event types', sub.eventTypes.join(', ')], ['Tenant', sub.tenant], ['Fallback', sub.fallback],
    ['Preset', sub.preset], ['Method', sub.method], ['Format', sub.format], ['Envelope', sub.envelope], ['XML root', sub.xmlRoot], ['Shopify API version', sub.apiVersion],
    ['Signing', sub.signing && `${sub.signing.scheme}${sub.signing.header ? ` (${sub.signing.header})` : ''}${sub.signing.appKey ? ` (app key ${sub.signing.appKey})` : ''}`],
    ['Authentication', sub.auth && `${sub.auth.type} (credentials masked)`], ['Custom headers', sub.customHeaders && Object.entries(sub.customHeaders).map(([name, value]) => `${name}: ${value}`).join(', ')],
    ['Timeout', sub.timeoutMs !== undefined ? `${sub.timeoutMs} ms` : undefined], ['Accepted statuses', sub.acceptStatuses?.join(', ')],
    ['Retry on', sub.retryOn?.join(', ')], ['Retry policy', sub.retryPolicy && JSON.stringify(sub.retryPolicy)],
    ['Failure policy', sub.failurePolicy && JSON.stringify(sub.failurePolicy)],
    ['Failure streak', `${streakOf(sub).count} failed attempts since the last success${streakOf(sub).since ? ` (since ${time(streakOf(sub).since)})` : ''}`],
    ['Disabled because', sub.disabledReason], ['Description', sub.description],
    ['Metadata', sub.metadata && Object.entries(sub.metadata).map(([k, v]) => `${k}=${v}`).join(', ')],
    ['Created', time(sub.createdAt)], ['Updated', time(sub.updatedAt)],
  ];
  return html`<dl class="details">${rows
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => html`<div><dt>${k}</dt><dd>${String(v)}</dd></div>`)}</dl>
    ${sub.health && html`<h3>Health</h3><dl class="details" data-testid="health">${Object.entries(sub.health)
      .filter(([k]) => k !== 'failureStreak')
      .map(([k, v]) => html`<div><dt>${k}</dt><dd>${typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd></div>`)}</dl>`}`;
}

function Secret({ id }: { id: string }) {
  const [secret, setSecret] = useState<string>();
  const [note, setNote] = useState<string>();
  const { error, run } = useAction();
  const reveal = () => run(async () => setSecret((await api<{ secret: string }>('GET', `/v1/subscriptions/${id}/secret`)).secret));
  const rotate = () =>
    run(async () => {
      const r = await api<{ secret: string; previousSecretExpiresAt: string }>('POST', `/v1/subscriptions/${id}/rotate-secret`, {});
      setSecret(r.secret);
      setNote(`Rotated. The previous secret still verifies until ${time(r.previousSecretExpiresAt)}.`);
    });
  return html`<div>
    <p>
      <${ConfirmButton} label="Reveal secret" question="Show the signing secret on screen?" confirmLabel="Yes, reveal" onConfirm=${reveal} />
      <${ConfirmButton} label="Rotate secret" question="Issue a new signing secret? The old one keeps verifying for a grace period." confirmLabel="Yes, rotate" onConfirm=${rotate} danger />
    </p>
    <${Problem} error=${error} />
    ${note && html`<p role="status">${note}</p>`}
    ${secret && html`<p>Secret: <code data-testid="secret">${secret}</code></p>`}
  </div>`;
}

function TestSend({ id }: { id: string }) {
  const [attempt, setAttempt] = useState<Attempt>();
  const { busy, error, run } = useAction();
  const send = () => run(async () => setAttempt((await api<{ attempt: Attempt }>('POST', `/v1/subscriptions/${id}/test`)).attempt));
  return html`<div>
    <p><button type="button" onClick=${send} disabled=${busy}>Send a test event</button></p>
    <${Problem} error=${error} />
    ${attempt && html`<div role="status" aria-label="Test attempt"><${AttemptsTable} attempts=${[attempt]} /></div>`}
  </div>`;
}

export function SubscriptionPage({ id }: { id: string }) {
  const heading = useFocusHeading(`sub-${id}`);
  const state = useLoad(() => api<Subscription>('GET', `/v1/subscriptions/${encodeURIComponent(id)}`), id);
  const { error, run } = useAction();
  const act = (method: string, path: string, after: () => void) =>
    run(async () => {
      await api(method, path);
      after();
    });
  const sub = state.data;
  return html`<div>
    <${PageHead} title=${`Subscription ${id}`} headingRef=${heading} error=${state.error ?? error} loading=${state.loading && !sub} what="the subscription" />
    ${sub &&
    html`<p class="actions">
        <${StatusBadge} status=${sub.status} />
        <a class="button" href=${`#/subscriptions/${id}/edit`}>Edit</a>
        ${sub.status === 'active'
          ? html`<button type="button" onClick=${() => act('POST', `/v1/subscriptions/${id}/disable`, state.reload)}>Disable</button>`
          : html`<button type="button" onClick=${() => act('POST', `/v1/subscriptions/${id}/enable`, state.reload)}>${sub.status === 'deleted' ? 'Restore' : 'Enable'}</button>`}
        <a class="button" href=${`#/deliveries?subscriptionId=${id}`}>Deliveries</a>
        <a class="button" href=${`#/replay?subscriptionId=${id}`}>Replay</a>
        <${ConfirmButton} label="Delete" question=${`Delete ${id}? Its deliveries stop.`} confirmLabel="Yes, delete" danger
          onConfirm=${() => act('DELETE', `/v1/subscriptions/${id}`, () => navigate('/subscriptions'))} />
      </p>
      <${Details} sub=${sub} />
      <h2>Test</h2><${TestSend} id=${id} />
      <h2>Signing secret</h2><${Secret} id=${id} />`}
  </div>`;
}
