/**
 * `GET /docs`: a self-contained HTML page (no external scripts, styles or fonts) that
 * reads `/openapi.json` and lists every operation with its parameters, and can send a
 * request and show the answer.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Faresight API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:0}.op{border:1px solid #ddd;border-radius:6px;margin:1em 0;padding:.6em 1em}
.m{font-weight:700;color:#fff;background:#2a7;border-radius:4px;padding:1px 6px;margin-right:.5em}
code,pre{font:13px ui-monospace,monospace}pre{background:#f6f6f6;padding:.6em;overflow:auto;max-height:24em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;text-align:left;padding:3px 6px;vertical-align:top}
input{font:inherit;width:12em}.req{color:#c33}
</style></head><body>
<h1>Faresight API</h1><p id="desc"></p>
<p>API key (if the server requires one): <input id="key" type="password" placeholder="key"></p>
<div id="ops">Loading /openapi.json ...</div>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
fetch('openapi.json').then((r) => r.json()).then((doc) => {
  document.getElementById('desc').textContent = doc.info.description + ' (version ' + doc.info.version + ')';
  const ops = document.getElementById('ops'); ops.innerHTML = '';
  const shown = (v) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const div = document.createElement('div'); div.className = 'op';
    const rows = (op.parameters || []).map((p) => '<tr><td><code>' + esc(p.name) + '</code>' +
      (p.required ? ' <span class="req">*</span>' : '') + '</td><td>' + esc(p.in) + '</td><td><code>' +
      esc(JSON.stringify(p.schema)) + '</code></td><td><input data-in="' + esc(p.in) + '" name="' + esc(p.name) + '"></td></tr>').join('');
    div.innerHTML = '<div><span class="m">' + method.toUpperCase() + '</span><code>' + esc(path) + '</code></div>' +
      '<p><b>' + esc(op.summary) + '</b><br>' + esc(op.description || '') + '</p>' +
      (op.servers ? '<p>Served by another process: <code>' + esc(op.servers[0].url) + '</code></p>' : '') +
      (rows ? '<table><tr><th>parameter</th><th>in</th><th>schema</th><th>value</th></tr>' + rows + '</table>' : '') +
      Object.entries((op.requestBody || {}).content || {}).filter(([, c]) => c.example !== undefined).map(([t, c]) =>
        '<p>Example body (<code>' + esc(t) + '</code>):</p><pre>' + esc(shown(c.example)) + '</pre>').join('') +
      Object.entries(op.responses || {}).flatMap(([code, r]) => Object.values(r.content || {}).filter((c) => c.example !== undefined).map((c) =>
        '<details><summary>' + esc(code) + ' ' + esc(r.description) + '</summary><pre>' + esc(shown(c.example)) + '</pre></details>')).join('') +
      (method === 'get' && !op.servers ? '<p><button>Send</button> <code class="url"></code></p><pre class="result" hidden></pre>' : '');
    if (div.querySelector('button')) div.querySelector('button').onclick = async () => {
      let url = path; const qs = new URLSearchParams();
      for (const i of div.querySelectorAll('input')) if (i.value) {
        if (i.dataset.in === 'path') url = url.replace('{' + i.name + '}', encodeURIComponent(i.value)); else qs.set(i.name, i.value);
      }
      url = url.replace(/^\\//, '') + (qs.size ? '?' + qs : '');
      div.querySelector('.url').textContent = 'GET /' + url;
      const key = document.getElementById('key').value;
      const r = await fetch(url, { headers: key ? { authorization: 'Bearer ' + key } : {} });
      const pre = div.querySelector('pre.result'); pre.hidden = false;
      const text = await r.text();
      let body = text; try { body = shown(JSON.parse(text)); } catch {}
      pre.textContent = r.status + ' ' + r.statusText + '\\n' + body;
    };
    ops.appendChild(div);
  }
}).catch((e) => { document.getElementById('ops').textContent = 'cannot load openapi.json: ' + e; });
</script></body></html>
`;
