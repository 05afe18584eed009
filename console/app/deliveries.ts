/** The delivery log: search (subscription, tenant, event type, status, time) and one delivery's attempts with retry. */
import { useState } from 'preact/hooks';
import { api, query, type ApiProblem, type Page } from './api.js';
import { AttemptsTable } from './attempts.js';
import { fromLocalInput, time } from './format.js';
import { DELIVERY_STATUSES, type Delivery } from './model.js';
import { navigate, type Route } from './router.js';
import { Field, html, Loading, PageEnd, PageHead, Problem, Select, StatusBadge, useAction, useFocusHeading, useLoad } from './ui.js';

const FILTERS = ['subscriptionId', 'tenant', 'eventType', 'status', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function SearchForm({ initial, error }: { initial: Filters; error?: ApiProblem }) {
  const [draft, setDraft] = useState(initial);
  const field = (key: keyof Filters, label: string, extra: Record<string, unknown> = {}) =>
    html`<${Field} label=${label} value=${draft[key]} onInput=${(v: string) => setDraft({ ...draft, [key]: v })} error=${error?.fieldError(key)} ...${extra} />`;
  const submit = (e: Event) => {
    e.preventDefault();
    navigate(`/deliveries${query({ ...draft, since: fromLocalInput(draft.since) ?? '', until: fromLocalInput(draft.until) ?? '' })}`);
  };
  return html`<form class="filters" role="search" aria-label="Search deliveries" onSubmit=${submit}>
    ${field('subscriptionId', 'Subscription', { placeholder: 'sub_…' })}
    ${field('tenant', 'Tenant')}
    ${field('eventType', 'Event type')}
    <${Select} label="Status" value=${draft.status} options=${DELIVERY_STATUSES} empty="any" error=${error?.fieldError('status')} onChange=${(v: string) => setDraft({ ...draft, status: v })} />
    ${field('since', 'Since', { type: 'datetime-local' })}
    ${field('until', 'Until', { type: 'datetime-local' })}
    <button type="submit">Search</button>
  </form>`;
}

/** ISO times from the URL back into the local-time inputs. */
function toInput(iso: string): string {
  const d = new Date(iso);
  if (iso === '' || Number.isNaN(d.getTime())) return iso;
  const off = d.getTimezoneOffset() * 60_000;
  return new Date(d.getTime() - off).toISOString().slice(0, 16);
}

export function DeliveryList({ route }: { route: Route }) {
  const heading = useFocusHeading('deliveries');
  const filters = Object.fromEntries(FILTERS.map((k) => [k, route.params.get(k) ?? ''])) as Filters;
  const [cursor, setCursor] = useState<string>();
  const key = `${JSON.stringify(filters)}|${cursor ?? ''}`;
  const state = useLoad(() => api<Page<Delivery>>('GET', `/v1/deliveries${query({ ...filters, cursor })}`), key);
  return html`<div>
    <h1 tabindex="-1" ref=${heading}>Deliveries</h1>
    <${SearchForm} key=${JSON.stringify(filters)} initial=${{ ...filters, since: toInput(filters.since), until: toInput(filters.until) }} error=${state.error} />
    <${Problem} error=${state.error} />
    ${state.loading && !state.data && html`<${Loading} what="deliveries" />`}
    ${state.data &&
    html`<table>
      <caption class="sr-only">Deliveries</caption>
      <thead><tr><th scope="col">Delivery</th><th scope="col">Created</th><th scope="col">Event type</th><th scope="col">Tenant</th>
        <th scope="col">Subscription</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last outcome</th></tr></thead>
      <tbody>${state.data.items.map(
        (d) => html`<tr>
          <td><a href=${`#/deliveries/${d.id}`}>${d.id}</a></td><td>${time(d.createdAt)}</td><td>${d.eventType}</td><td>${d.tenant ?? '—'}</td>
          <td><a href=${`#/subscriptions/${d.subscriptionId}`}>${d.subscriptionId}</a></td><td><${StatusBadge} status=${d.status} /></td>
          <td>${d.attemptCount}</td><td>${d.lastOutcome ?? '—'}</td>
        </tr>`,
      )}</tbody>
    </table>
    <${PageEnd} page=${state.data} none="No delivery matches." onNext=${setCursor} />`}
  </div>`;
}

export function DeliveryPage({ id }: { id: string }) {
  const heading = useFocusHeading(`dlv-${id}`);
  const state = useLoad(() => api<Delivery>('GET', `/v1/deliveries/${encodeURIComponent(id)}`), id);
  const { busy, error, run } = useAction();
  const [note, setNote] = useState<string>();
  const retry = () =>
    run(async () => {
      await api('POST', `/v1/deliveries/${id}/retry`);
      setNote('Retry queued.');
      state.reload();
    });
  const d = state.data;
  return html`<div>
    <${PageHead} title=${`Delivery ${id}`} headingRef=${heading} error=${state.error ?? error} loading=${state.loading && !d} what="the delivery" />
    ${d &&
    html`<dl class="details">
        <div><dt>Status</dt><dd><${StatusBadge} status=${d.status} /></dd></div>
        <div><dt>Event type</dt><dd>${d.eventType}</dd></div>
        <div><dt>Tenant</dt><dd>${d.tenant ?? '—'}</dd></div>
        <div><dt>Message</dt><dd><a href=${`#/messages/${d.messageId}`}>${d.messageId}</a></dd></div>
        <div><dt>Subscription</dt><dd><a href=${`#/subscriptions/${d.subscriptionId}`}>${d.subscriptionId}</a></dd></div>
        <div><dt>Attempts</dt><dd>${d.attemptCount}</dd></div>
        ${d.nextAttemptAt && html`<div><dt>Next attempt</dt><dd>${time(d.nextAttemptAt)}</dd></div>`}
        ${d.reason && html`<div><dt>Reason</dt><dd>${d.reason}</dd></div>`}
        <div><dt>Created</dt><dd>${time(d.createdAt)}</dd></div>
      </dl>
      <p class="actions">
        <button type="button" onClick=${retry} disabled=${busy}>Retry now</button>
        <button type="button" onClick=${state.reload}>Refresh</button>
      </p>
      ${note && html`<p role="status">${note}</p>`}
      <h2>Attempts</h2>
      <${AttemptsTable} attempts=${d.attempts} />`}
  </div>`;
}
