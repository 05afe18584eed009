/** Shared pieces of the console's pages: markup binding, loading state, problems, form fields. */
import { Fragment, h, type ComponentChildren, type Ref } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { ApiProblem, type Page } from './api.js';

export const html = htm.bind(h);

export interface Loaded<T> {
  data?: T;
  error?: ApiProblem;
  loading: boolean;
  reload(): void;
}

export function asProblem(error: unknown): ApiProblem {
  return error instanceof ApiProblem ? error : new ApiProblem(0, 'Error', (error as Error).message ?? String(error), []);
}

/** Runs `load` when `key` changes (and on `reload()`); the newest answer wins. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiProblem; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error: asProblem(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** A user action's state: `run` clears the last error, marks busy, and keeps what the API refused. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiProblem>();
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(asProblem(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** An API error as the operator should read it: title, detail, and any field errors. */
export function Problem({ error }: { error?: ApiProblem }) {
  if (error === undefined) return null;
  return html`<div class="problem" role="alert">
    <strong>${error.title}</strong>${error.detail ? html`: ${error.detail}` : ''}
    ${error.errors.length > 0 && html`<ul>${error.errors.map((e) => html`<li><code>${e.field}</code>: ${e.message}</li>`)}</ul>`}
  </div>`;
}

export function Loading({ what }: { what: string }) {
  return html`<p class="muted" role="status">Loading ${what}…</p>`;
}

/** A page's head: its title (focused on arrival), the problem if any, and "Loading …" until the first answer. */
export function PageHead(props: { title: string; headingRef: Ref<HTMLHeadingElement>; error?: ApiProblem; loading: boolean; what: string }) {
  return html`<${Fragment}>
    <h1 tabindex="-1" ref=${props.headingRef}>${props.title}</h1>
    <${Problem} error=${props.error} />
    ${props.loading && html`<${Loading} what=${props.what} />`}
  <//>`;
}

/** Under a list: what an empty page means, and the button to the next page when there is one. */
export function PageEnd(props: { page: Page<unknown>; none: string; onNext: (cursor: string) => void }) {
  const next = props.page.nextCursor;
  return html`<${Fragment}>
    ${props.page.items.length === 0 && html`<p>${props.none}</p>`}
    ${next && html`<button type="button" onClick=${() => props.onNext(next)}>Next page</button>`}
  <//>`;
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  const id = useId();
  return html`<section aria-labelledby=${id}><h2 id=${id}>${title}</h2>${children}</section>`;
}

interface FieldProps {
  label: string;
  value: string;
  onInput(value: string): void;
  error?: string;
  hint?: string;
  type?: string;
  placeholder?: string;
  required?: boolean;
  multiline?: boolean;
  name?: string;
}

/** A labelled input whose error is announced and tied to it (`aria-describedby`). */
export function Field(props: FieldProps) {
  const id = useId();
  const describedBy = [props.hint && `${id}-hint`, props.error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: props.name,
    value: props.value,
    placeholder: props.placeholder,
    required: props.required,
    'aria-invalid': props.error ? 'true' : undefined,
    'aria-describedby': describedBy,
    onInput: (e: Event) => props.onInput((e.target as HTMLInputElement).value),
  };
  return html`<div class=${`field${props.error ? ' invalid' : ''}`}>
    <label for=${id}>${props.label}${props.required ? html`<span aria-hidden="true"> *</span>` : ''}</label>
    ${props.multiline ? html`<textarea rows="3" ...${common}></textarea>` : html`<input type=${props.type ?? 'text'} ...${common} />`}
    ${props.hint && html`<small id=${`${id}-hint`} class="muted">${props.hint}</small>`}
    ${props.error && html`<small id=${`${id}-error`} class="field-error">${props.error}</small>`}
  </div>`;
}

interface SelectProps {
  label: string;
  value: string;
  options: readonly string[];
  onChange(value: string): void;
  error?: string;
  /** Label of an empty first option ("any", "preset default"). */
  empty?: string;
  name?: string;
}

export function Select(props: SelectProps) {
  const id = useId();
  return html`<div class=${`field${props.error ? ' invalid' : ''}`}>
    <label for=${id}>${props.label}</label>
    <select
      id=${id}
      name=${props.name}
      value=${props.value}
      aria-invalid=${props.error ? 'true' : undefined}
      aria-describedby=${props.error ? `${id}-error` : undefined}
      onChange=${(e: Event) => props.onChange((e.target as HTMLSelectElement).value)}
    >
      ${props.empty !== undefined && html`<option value="">${props.empty}</option>`}
      ${props.options.map((o) => html`<option value=${o}>${o}</option>`)}
    </select>
    ${props.error && html`<small id=${`${id}-error`} class="field-error">${props.error}</small>`}
  </div>`;
}

/**
 * A button whose action needs a second, explicit confirmation. The confirmation is an inline
 * alert dialog that takes focus (Escape or Cancel returns it to the button).
 */
export function ConfirmButton({ label, question, confirmLabel, onConfirm, danger }: { label: string; question: string; confirmLabel: string; onConfirm(): void; danger?: boolean }) {
  const [open, setOpen] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    if (open) confirmRef.current?.focus();
  }, [open]);
  const close = () => {
    setOpen(false);
    openerRef.current?.focus();
  };
  return html`<span class="confirm">
    <button ref=${openerRef} type="button" class=${danger ? 'danger' : ''} aria-expanded=${open} onClick=${() => setOpen(true)}>${label}</button>
    ${open &&
    html`<div role="alertdialog" aria-labelledby=${id} class="confirm-box" onKeyDown=${(e: KeyboardEvent) => e.key === 'Escape' && close()}>
      <p id=${id}>${question}</p>
      <button ref=${confirmRef} type="button" class=${danger ? 'danger' : 'primary'} onClick=${() => { setOpen(false); onConfirm(); }}>${confirmLabel}</button>
      <button type="button" onClick=${close}>Cancel</button>
    </div>`}
  </span>`;
}

export function StatusBadge({ status }: { status: string }) {
  return html`<span class=${`badge badge-${status}`}>${status}</span>`;
}

/** Moves focus to a page's heading when the page changes, so screen readers announce it. */
export function useFocusHeading(key: string) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), [key]);
  return ref;
}
