/** Replay: a subscription's deliveries in a window (optionally the failed ones only), and the job's progress. */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { fromLocalInput, time, toLocalInput } from './format.js';
import type { ReplayJob } from './model.js';
import type { Route } from './router.js';
import { Field, html, Problem, useAction, useFocusHeading } from './ui.js';

const POLL_MS = 1000;

function Progress({ job }: { job: ReplayJob }) {
  return html`<div role="status" aria-live="polite" data-testid="replay-job" data-status=${job.status}>
    <p>Job <code>${job.id}</code>: <strong>${job.status}</strong> (${job.phase}) — ${job.matched} matched, ${job.enqueued} sent again.</p>
    <progress max="1" value=${job.status === 'done' ? 1 : undefined} aria-label="Replay progress"></progress>
    <p class="muted">Window ${time(job.since)} – ${time(job.until)}${job.onlyFailed ? ', failed deliveries only' : ''}. Updated ${time(job.updatedAt)}.</p>
  </div>`;
}

export function ReplayPage({ route }: { route: Route }) {
  const heading = useFocusHeading('replay');
  const [form, setForm] = useState({ subscriptionId: route.params.get('subscriptionId') ?? '', since: toLocalInput(new Date(Date.now() - 3_600_000)), until: '', onlyFailed: route.params.get('onlyFailed') === '1' });
  const { error, run } = useAction();
  const [job, setJob] = useState<ReplayJob>();
  useEffect(() => {
    if (job === undefined || job.status === 'done') return undefined;
    const timer = setTimeout(() => void run(async () => setJob(await api<ReplayJob>('GET', `/v1/replays/${job.id}`))), POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);
  const submit = (e: Event) => {
    e.preventDefault();
    const body = { since: fromLocalInput(form.since) ?? '', ...(form.until && { until: fromLocalInput(form.until) }), onlyFailed: form.onlyFailed };
    return run(async () => setJob(await api<ReplayJob>('POST', `/v1/subscriptions/${encodeURIComponent(form.subscriptionId.trim())}/replay`, body)));
  };
  return html`<div>
    <h1 tabindex="-1" ref=${heading}>Replay</h1>
    <form onSubmit=${submit} noValidate>
      <${Problem} error=${error} />
      <${Field} label="Subscription" required value=${form.subscriptionId} placeholder="sub_…" onInput=${(v: string) => setForm({ ...form, subscriptionId: v })} />
      <${Field} label="Since" type="datetime-local" required value=${form.since} error=${error?.fieldError('since')} onInput=${(v: string) => setForm({ ...form, since: v })} />
      <${Field} label="Until" type="datetime-local" hint="blank: now" value=${form.until} error=${error?.fieldError('until')} onInput=${(v: string) => setForm({ ...form, until: v })} />
      <div class="field checkbox">
        <input id="replay-failed" type="checkbox" checked=${form.onlyFailed} onChange=${(e: Event) => setForm({ ...form, onlyFailed: (e.target as HTMLInputElement).checked })} />
        <label for="replay-failed">Failed deliveries only</label>
      </div>
      <button type="submit" class="primary">Start replay</button>
    </form>
    ${job && html`<${Progress} job=${job} />`}
  </div>`;
}
