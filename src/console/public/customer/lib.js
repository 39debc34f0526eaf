// What the customer pages share: htm bound to Preact, the API client with the customer's
// key (kept in sessionStorage, sent as a Bearer token to the customer API, never to the
// admin API), a hook that loads data, and a wrapper showing a chart element of chart.js.

import { useEffect, useRef, useState } from '../vendor/hooks.mjs';
import htm from '../vendor/htm.mjs';
import { h } from '../vendor/preact.mjs';

export const html = htm.bind(h);
const KEY = 'faresight_customer_key';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  set: (k) => sessionStorage.setItem(KEY, k),
  clear: () => sessionStorage.removeItem(KEY),
};

/** An answer of the API that is not 2xx: status and the message of its error body. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Calls the customer API with the key; JSON in and out. Throws ApiError. */
export async function api(path, { method = 'GET', body, key = session.key() } = {}) {
  const res = await fetch(path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, json?.message ?? `${res.status} ${res.statusText}`);
  return json;
}

/** `SQL` over the ponds granted to the customer: the rows, or ApiError (400 when not granted). */
export async function sql(statement) {
  return (await api('/v1/sql', { method: 'POST', body: { sql: statement } })).rows;
}

/** A SQL string literal. */
export const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

/** Loads `fn()` whenever `deps` change: { data, error, loading }. */
export function useLoad(fn, deps) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let live = true;
    setState({ loading: true });
    fn().then(
      (data) => live && setState({ data }),
      (error) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}

/** A chart element (from chart.js) placed in the component tree. */
export function Chart({ make, deps }) {
  const ref = useRef(null);
  useEffect(() => {
    const el = make();
    ref.current.replaceChildren(el);
  }, deps);
  return html`<div ref=${ref}></div>`;
}

/** A card with a title; shows loading, or the error (a refused grant says so), or the body. */
export function Card({ id, title, state, wide, children }) {
  let body = children;
  if (state?.loading) body = html`<p class="empty">loading…</p>`;
  else if (state?.error)
    body = html`<p class="error" data-status=${state.error.status}>
      ${state.error.status === 400 || state.error.status === 403 ? 'Not available to your key: ' : ''}${state.error.message}
    </p>`;
  return html`<div class=${wide ? 'card wide' : 'card'} id=${id}><h2>${title}</h2>${body}</div>`;
}

/** YYYY-MM-DD of today plus `days` (UTC). */
export const day = (days = 0) => new Date(Date.now() + days * 864e5).toISOString().slice(0, 10);
/** ms of a YYYY-MM-DD date at 00:00 UTC. */
export const ms = (date) => Date.parse(`${String(date).slice(0, 10)}T00:00:00Z`);
/** An amount with its currency. */
export const money = (amount, currency) =>
  `${Number(amount).toLocaleString('en', { maximumFractionDigits: 0 })} ${currency ?? ''}`.trim();
