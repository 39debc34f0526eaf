// Helpers of the Console's pages: elements, the admin API with the session's CSRF token,
// tables, times and error boxes.
/** The session's CSRF token, sent on every state-changing request (null = logged out). */
export const session = { csrf: null };
let onUnauthorized = () => {};
/** What to do on a 401 (show the login form). */
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}
export const $ = (sel) => document.querySelector(sel);

export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false)
      e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

export async function api(path, opts = {}) {
  const headers = { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) };
  if (session.csrf && opts.method && opts.method !== 'GET') headers['x-csrf-token'] = session.csrf;
  const res = await fetch(path, {
    method: opts.method ?? 'GET',
    headers,
    credentials: 'same-origin',
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) {
    onUnauthorized();
    throw new Error(body.message ?? 'not logged in');
  }
  if (!res.ok) throw new Error(body.message ?? `${res.status}`);
  return body;
}

export function table(columns, rows, onRow) {
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', {}, c.label)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          onRow ? { class: 'clickable', onclick: () => onRow(r) } : {},
          columns.map((c) => h('td', {}, c.value(r) ?? '')),
        ),
      ),
    ),
  );
}

export const iso = (t) =>
  t === null || t === undefined ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19);
export const errorBox = (err) => h('p', { class: 'error' }, String(err.message ?? err));
