// The customer area: logs in with the customer's API key (checked by GET /v1/me, which
// authenticates customers and names their grants), then Market, Demand and Explore pages
// (hash routes).

import { useEffect, useState } from '../vendor/hooks.mjs';
import { render } from '../vendor/preact.mjs';
import { Demand } from './demand.js';
import { Explore } from './explore.js';
import { api, html, session, useLoad } from './lib.js';
import { Market } from './market.js';

const PAGES = { market: Market, demand: Demand, explore: Explore };
const route = () => {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0];
  return name in PAGES ? name : 'market';
};

function Login({ onIn }) {
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    const key = new FormData(e.target).get('key').trim();
    try {
      await api('/v1/me', { key });
      session.set(key);
      onIn();
    } catch (err) {
      setError(err.status === 401 ? 'not a customer API key' : err.message);
    }
  };
  return html`<form id="login" onSubmit=${submit}>
    <h1>Customer login</h1>
    <label>API key <input id="login-key" name="key" type="password" autocomplete="current-password" required /></label>
    <button type="submit">Log in</button>
    <p id="login-error" class="error">${error}</p>
    <p>An operator? <a href="/console/">The operator Console</a>.</p>
  </form>`;
}

/** Who is logged in and the ponds granted (with their market / point-of-sale narrowing). */
function Me() {
  const s = useLoad(() => api('/v1/me'), []);
  if (!s.data) return html`<span id="me" class="me">${s.error ? s.error.message : ''}</span>`;
  const grants = s.data.grants.map(
    (g) =>
      g.pond +
      (g.markets || g.pos ? ` [${[...(g.markets ?? []), ...(g.pos ?? [])].join(', ')}]` : ''),
  );
  return html`<span id="me" class="me" title="ponds granted to this key">
    ${s.data.customer}: ${grants.length ? grants.join(' · ') : 'no pond granted'}
  </span>`;
}

function App() {
  const [inside, setInside] = useState(Boolean(session.key()));
  const [page, setPage] = useState(route());
  useEffect(() => {
    const on = () => setPage(route());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const out = () => {
    session.clear();
    setInside(false);
  };
  const Page = PAGES[page];
  return html`<header>
      <strong>Faresight insights</strong>
      ${
        inside &&
        html`<nav id="nav">
        ${Object.keys(PAGES).map(
          (p) =>
            html`<a href=${`#/${p}`} class=${p === page ? 'active' : ''}>${p[0].toUpperCase() + p.slice(1)}</a>`,
        )}
        <${Me} />
        <button id="logout" type="button" onClick=${out}>Log out</button>
      </nav>`
      }
    </header>
    <main id="main">
      ${
        inside
          ? html`<section id="page" data-page=${page}><${Page} /></section>`
          : html`<${Login} onIn=${() => setInside(true)} />`
      }
    </main>`;
}

render(html`<${App} />`, document.getElementById('app'));
