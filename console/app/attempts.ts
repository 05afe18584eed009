/** A delivery's attempts: when, what triggered it, the status, how long, why, what the receiver said. */
import type { Attempt } from './model.js';
import { duration, time } from './format.js';
import { html } from './ui.js';

/**
 * A success only the subscription's acceptStatuses made one (TikTok Shop's 401) is named as such:
 * a receiver refusing every signature looks exactly like this.
 */
function ackNote(a: Attempt) {
  if (a.acknowledgedNon2xx !== true) return '';
  return html` <span class="badge badge-pending" title="acknowledged by acceptStatuses, not a 2xx">non-2xx ack: ${a.statusCode ?? '?'}</span>`;
}

export function AttemptsTable({ attempts }: { attempts: Attempt[] }) {
  if (attempts.length === 0) return html`<p>No attempt yet.</p>`;
  return html`<table class="attempts">
    <caption class="sr-only">Attempts</caption>
    <thead><tr>
      <th scope="col">#</th><th scope="col">Started</th><th scope="col">Trigger</th><th scope="col">Outcome</th>
      <th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Reason</th><th scope="col">Response excerpt</th>
    </tr></thead>
    <tbody>${attempts.map(
      (a) => html`<tr data-outcome=${a.outcome}>
        <td>${a.attempt}</td><td>${time(a.startedAt)}</td><td>${a.trigger}</td>
        <td><span class=${`badge badge-${a.outcome === 'success' ? 'succeeded' : 'failed'}`}>${a.outcome}</span>${ackNote(a)}</td>
        <td>${a.statusCode ?? '—'}</td><td>${duration(a.durationMs)}</td><td>${a.reason ?? ''}</td>
        <td>${a.responseExcerpt ? html`<pre class="excerpt">${a.responseExcerpt}</pre>` : ''}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}
