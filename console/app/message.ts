/** A message: its payload and where it went. */
import { api } from './api.js';
import { time } from './format.js';
import type { MessageView } from './model.js';
import { html, PageHead, StatusBadge, useFocusHeading, useLoad } from './ui.js';

export function MessagePage({ id }: { id: string }) {
  const heading = useFocusHeading(`msg-${id}`);
  const state = useLoad(() => api<MessageView>('GET', `/v1/messages/${encodeURIComponent(id)}`), id);
  const m = state.data;
  return html`<div>
    <${PageHead} title=${`Message ${id}`} headingRef=${heading} error=${state.error} loading=${state.loading && !m} what="the message" />
    ${m &&
    html`<dl class="details">
        <div><dt>Type</dt><dd>${m.type}</dd></div>
        <div><dt>Tenant</dt><dd>${m.tenant ?? '—'}</dd></div>
        <div><dt>Event time</dt><dd>${time(m.eventTime)}</dd></div>
        <div><dt>Received</dt><dd>${time(m.createdAt)}</dd></div>
        <div><dt>Routing</dt><dd>${m.routing}</dd></div>
      </dl>
      ${m.intakeFailed &&
      html`<div class="problem" role="alert" aria-label="Not accepted">
        <strong>Not accepted</strong>: stored at ${time(m.intakeFailed.at)}, but ${m.intakeFailed.reason}. The producer was answered
        with an error, so nothing of this message is pending; a producer without an Idempotency-Key sends it again as a new message.
      </div>`}
      <h2>Payload</h2>
      <pre class="payload" tabindex="0" aria-label="Payload">${JSON.stringify(m.payload, null, 2)}</pre>
      <h2>Deliveries</h2>
      ${m.deliveries.length === 0
        ? html`<p>No subscription received it.</p>`
        : html`<table>
            <thead><tr><th scope="col">Delivery</th><th scope="col">Subscription</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Next attempt</th></tr></thead>
            <tbody>${m.deliveries.map(
              (d) => html`<tr><td><a href=${`#/deliveries/${d.id}`}>${d.id}</a></td><td><a href=${`#/subscriptions/${d.subscriptionId}`}>${d.subscriptionId}</a></td>
                <td><${StatusBadge} status=${d.status} />${d.recorded === false && html` <span class="muted" title="successRecords log-only: the attempt log says which">(no record)</span>`}</td><td>${d.attemptCount}</td><td>${time(d.nextAttemptAt)}</td></tr>`,
            )}</tbody>
          </table>`}`}
  </div>`;
}
