/** Create or edit a subscription: every API field, a preset to start from, the API's errors per field. */
import { useState } from 'preact/hooks';
import { api, type ApiProblem } from './api.js';
import { AttemptsTable } from './attempts.js';
import { FAILURE_CLASSES, PRESETS, type Attempt, type Subscription } from './model.js';
import { EMPTY_FORM, fromSubscription, patchBody, toBody, type FormState } from './subscription-form-model.js';
import { Field, html, Loading, PageHead, Problem, Select, useAction, useFocusHeading, useLoad } from './ui.js';
import { navigate } from './router.js';

interface Created extends Subscription {
  secret?: string;
}

function FormFields({ form, set, error, isEdit }: { form: FormState; set: (patch: Partial<FormState>) => void; error?: ApiProblem; isEdit: boolean }) {
  const err = (field: string) => error?.fieldError(field);
  const text = (key: keyof FormState, label: string, extra: Record<string, unknown> = {}) =>
    html`<${Field} label=${label} name=${key} value=${form[key] as string} onInput=${(v: string) => set({ [key]: v })} error=${err(String(extra.field ?? key))} ...${extra} />`;
  return html`
    <fieldset>
      <legend>Endpoint</legend>
      ${text('url', 'URL', { required: true, type: 'url', placeholder: 'https://hooks.example.com/orders' })}
      ${text('eventTypes', 'Event types', { required: true, hint: 'comma-separated, e.g. order.created, order.paid; * for every type' })}
      ${text('tenant', 'Tenant', { hint: 'the shop or organisation whose events this subscription receives' })}
      <div class="field checkbox">
        <input id="sub-fallback" type="checkbox" checked=${form.fallback} onChange=${(e: Event) => set({ fallback: (e.target as HTMLInputElement).checked })} />
        <label for="sub-fallback">Fallback: also receive events whose tenant matched no subscription</label>
      </div>
      <${Select} label="Preset" name="preset" value=${form.preset} options=${PRESETS} empty="(none)" error=${err('preset')} onChange=${(v: string) => set({ preset: v })} />
      <${Select} label="Method" name="method" value=${form.method} options=${['POST', 'GET']} empty="default (POST)" error=${err('method')} onChange=${(v: string) => set({ method: v })} />
      <${Select} label="Format" name="format" value=${form.format} options=${['json', 'xml']} empty="default (json)" error=${err('format')} onChange=${(v: string) => set({ format: v })} />
      <${Select} label="Envelope" name="envelope" value=${form.envelope} options=${['none', 'standard']} empty="default (none)" error=${err('envelope')} onChange=${(v: string) => set({ envelope: v })} />
      ${form.format === 'xml' && text('xmlRoot', 'XML root element', { hint: "blank: the preset's rule, else the event type's last segment" })}
      ${form.preset === 'shopify' && text('apiVersion', 'Shopify API version', { hint: 'X-Shopify-API-Version, e.g. 2025-07' })}
    </fieldset>
    <fieldset>
      <legend>Signing and credentials</legend>
      <${Select} label="Signing scheme" name="signingScheme" value=${form.signingScheme} options=${['standard-webhooks', 'hmac-sha256', 'authorization', 'none']} empty="default (standard-webhooks)" error=${err('signing')} onChange=${(v: string) => set({ signingScheme: v })} />
      ${form.signingScheme === 'hmac-sha256' && text('signingHeader', 'Signature header', { field: 'signing' })}
      ${form.signingScheme === 'authorization' && text('signingAppKey', 'App key (signed before the body)', { field: 'signing' })}
      ${!isEdit && text('secret', 'Signing secret', { type: 'password', hint: 'blank: a new secret is generated (shown once)' })}
      <${Select} label="Authentication" name="authType" value=${form.authType} options=${['basic', 'bearer', 'header']} empty="none" error=${err('auth')} onChange=${(v: string) => set({ authType: v })} />
      ${(form.authType === 'basic' || form.authType === 'header') && text('username', 'Username', { field: 'auth' })}
      ${form.authType === 'basic' && text('password', 'Password', { type: 'password', field: 'auth', hint: 'write-only (never shown); to change any credential, type the password again' })}
      ${form.authType === 'bearer' && text('token', 'Bearer token', { type: 'password', field: 'auth' })}
      ${form.authType === 'header' && text('authorization', 'Authorization header value', { type: 'password', field: 'auth' })}
      ${text('customHeaders', 'Custom headers', { multiline: true, hint: 'one "X-Name: value" per line (up to 5); values read back as **** — replace each one when you change this field' })}
    </fieldset>
    <fieldset>
      <legend>Delivery policy (blank: the preset's)</legend>
      ${text('timeoutMs', 'Timeout (ms)', { type: 'text', inputmode: 'numeric' })}
      ${text('acceptStatuses', 'Accepted statuses', { hint: 'comma-separated: 200, 2xx, 200-299' })}
      <fieldset class="inline">
        <legend>Retry on</legend>
        ${FAILURE_CLASSES.map(
          (c) => html`<label class="check"><input type="checkbox" checked=${form.retryOn.includes(c)} onChange=${(e: Event) =>
            set({ retryOn: (e.target as HTMLInputElement).checked ? [...form.retryOn, c] : form.retryOn.filter((x) => x !== c) })} /> ${c}</label>`,
        )}
        ${err('retryOn') && html`<small class="field-error">${err('retryOn')}</small>`}
      </fieldset>
      ${text('retryPolicy', 'Retry policy (JSON)', { multiline: true, placeholder: '{"type":"exponential","initialDelay":60,"factor":2,"retries":8}' })}
      ${text('failurePolicy', 'Failure policy (JSON)', { multiline: true, placeholder: '{"afterConsecutiveFailures":50,"action":"disable"}' })}
    </fieldset>
    <fieldset>
      <legend>About</legend>
      ${text('description', 'Description')}
      ${text('metadata', 'Metadata', { multiline: true, hint: 'one key=value per line' })}
    </fieldset>`;
}

function SubscriptionForm({ initial, original, id }: { initial: FormState; original?: FormState; id?: string }) {
  const [form, setForm] = useState(initial);
  const { busy, error, run } = useAction();
  const [created, setCreated] = useState<Created>();
  const [tested, setTested] = useState<Attempt>();
  const set = (patch: Partial<FormState>) => setForm((f) => ({ ...f, ...patch }));
  /** `POST /v1/subscriptions/test`: one delivery with these settings, nothing saved. */
  const testUnsaved = () =>
    run(async () => {
      setTested(undefined);
      setTested((await api<{ attempt: Attempt }>('POST', '/v1/subscriptions/test', toBody(form))).attempt);
    });
  const submit = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      if (id !== undefined && original !== undefined) {
        await api('PATCH', `/v1/subscriptions/${id}`, patchBody(original, form));
        navigate(`/subscriptions/${id}`);
      } else {
        setCreated(await api<Created>('POST', '/v1/subscriptions', toBody(form)));
      }
    });
  };
  if (created) {
    return html`<div role="status" class="created">
      <p>Subscription <a href=${`#/subscriptions/${created.id}`}>${created.id}</a> created.</p>
      <p>Its signing secret, shown this once: <code data-testid="created-secret">${created.secret ?? '(hidden)'}</code></p>
      <p><a href=${`#/subscriptions/${created.id}`}>Open the subscription</a></p>
    </div>`;
  }
  return html`<form onSubmit=${submit} noValidate aria-describedby="form-problem">
    <div id="form-problem"><${Problem} error=${error} /></div>
    <${FormFields} form=${form} set=${set} error=${error} isEdit=${id !== undefined} />
    <p class="actions">
      <button type="submit" class="primary" disabled=${busy}>${id ? 'Save changes' : 'Create subscription'}</button>
      ${id === undefined && html`<button type="button" disabled=${busy} onClick=${testUnsaved}>Test without saving</button>`}
    </p>
    ${tested && html`<div role="status" aria-label="Test attempt"><${AttemptsTable} attempts=${[tested]} /></div>`}
  </form>`;
}

export function NewSubscription() {
  const heading = useFocusHeading('new-subscription');
  return html`<div><h1 tabindex="-1" ref=${heading}>New subscription</h1><${SubscriptionForm} initial=${EMPTY_FORM} /></div>`;
}

export function EditSubscription({ id }: { id: string }) {
  const heading = useFocusHeading(`edit-${id}`);
  const state = useLoad(() => api<Subscription>('GET', `/v1/subscriptions/${encodeURIComponent(id)}`), id);
  const original = state.data && fromSubscription(state.data);
  return html`<div>
    <${PageHead} title=${`Edit ${id}`} headingRef=${heading} error=${state.error} loading=${state.loading && !original} what="the subscription" />
    ${original && html`<${SubscriptionForm} initial=${original} original=${original} id=${id} />`}
  </div>`;
}
