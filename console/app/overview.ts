/**
 * Overview: deliveries per outcome over the last hour and day, failing subscriptions with their
 * streak, and how long the oldest pending delivery has waited (the delivery queue's age as the
 * log sees it). Read from the public API's delivery log and subscription list, so it needs no
 * extra route; a day holding more than `MAX_DELIVERIES` says the chart shows the newest ones.
 */
import { api, query, type Page } from './api.js';
import { bucketise, OutcomeChart } from './chart.js';
import { age, time } from './format.js';
import { streakOf, type Delivery, type Subscription } from './model.js';
import { html, Loading, Problem, Section, useFocusHeading, useLoad } from './ui.js';

const PAGE = 100;
const MAX_DELIVERIES = 5000;
const HOUR = 3_600_000;

async function collect<T>(path: string, params: Record<string, string | number | undefined>, max: number): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<Page<T>>('GET', `${path}${query({ ...params, limit: PAGE, cursor })}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined && items.length < max);
  return { items, truncated: cursor !== undefined };
}

interface OverviewData {
  now: number;
  deliveries: Delivery[];
  truncated: boolean;
  failing: Subscription[];
}

async function loadOverview(): Promise<OverviewData> {
  const now = Date.now();
  const [day, subs] = await Promise.all([
    collect<Delivery>('/v1/deliveries', { since: new Date(now - 24 * HOUR).toISOString() }, MAX_DELIVERIES),
    collect<Subscription>('/v1/subscriptions', {}, 1000),
  ]);
  const failing = subs.items
    .filter((s) => streakOf(s).count > 0 || s.status !== 'active')
    .sort((a, b) => streakOf(b).count - streakOf(a).count);
  return { now, deliveries: day.items, truncated: day.truncated, failing };
}

function QueueAge({ data }: { data: OverviewData }) {
  const pending = data.deliveries.filter((d) => d.status === 'pending');
  const oldest = pending.reduce<Delivery | undefined>((o, d) => (o === undefined || d.createdAt < o.createdAt ? d : o), undefined);
  return html`<dl class="stats">
    <div><dt>Pending deliveries</dt><dd data-testid="pending-count">${pending.length}</dd></div>
    <div><dt>Oldest pending delivery</dt><dd data-testid="queue-age">${oldest ? html`<a href=${`#/deliveries/${oldest.id}`}>${age(data.now - Date.parse(oldest.createdAt))}</a>` : 'none'}</dd></div>
  </dl>`;
}

function Failing({ subs }: { subs: Subscription[] }) {
  if (subs.length === 0) return html`<p>No subscription is failing.</p>`;
  return html`<table>
    <thead><tr><th scope="col">Subscription</th><th scope="col">URL</th><th scope="col">Streak</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
    <tbody>${subs.map(
      (s) => html`<tr>
        <td><a href=${`#/subscriptions/${s.id}`}>${s.id}</a></td><td class="url">${s.url}</td>
        <td>${streakOf(s).count} consecutive failures${streakOf(s).since ? `, since ${time(streakOf(s).since)}` : ''}</td><td>${s.status}${s.disabledReason ? ` (${s.disabledReason})` : ''}</td>
        <td><a href=${`#/deliveries?subscriptionId=${s.id}&status=failed`}>Failed deliveries</a> · <a href=${`#/replay?subscriptionId=${s.id}&onlyFailed=1`}>Replay failed</a></td>
      </tr>`,
    )}</tbody>
  </table>`;
}

export function Overview() {
  const heading = useFocusHeading('overview');
  const state = useLoad(loadOverview, 'overview');
  const data = state.data;
  return html`<div>
    <h1 tabindex="-1" ref=${heading}>Overview</h1>
    <p><button type="button" onClick=${state.reload}>Refresh</button></p>
    <${Problem} error=${state.error} />
    ${state.loading && !data && html`<${Loading} what="the overview" />`}
    ${data &&
    html`<${Section} title="Deliveries per outcome">
        ${data.truncated && html`<p class="note">More than ${MAX_DELIVERIES} deliveries today: the charts count the newest ${data.deliveries.length}.</p>`}
        <div class="charts">
          <${OutcomeChart} title="Last hour (5-minute buckets)" buckets=${bucketise(data.deliveries, data.now, 5 * 60_000, 12)} />
          <${OutcomeChart} title="Last day (1-hour buckets)" buckets=${bucketise(data.deliveries, data.now, HOUR, 24)} />
        </div>
      <//>
      <${Section} title="Delivery queue"><${QueueAge} data=${data} /><//>
      <${Section} title="Failing subscriptions"><${Failing} subs=${data.failing} /><//>`}
  </div>`;
}
