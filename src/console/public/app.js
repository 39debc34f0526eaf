// The Console page: a hash router over the operator pages, each drawn from the admin API
// (/admin/v1/...). Plain ES modules, no build step; everything comes from this server.
import { lineChart } from './chart.js';
import { $, api, errorBox, h, iso, session, table, whenUnauthorized } from './console-lib.js';
import { etl } from './page-etl.js';
import { messages } from './page-messages.js';

// ---------------------------------------------------------------- Overview
const WINDOW_SPAN = { '15m': 15 * 60e3, '6h': 6 * 3600e3, '24h': 24 * 3600e3, '7d': 7 * 86400e3 };
const CHARTS = [
  {
    id: 'records',
    title: 'Records accepted per second, by vendor',
    unit: '/s',
    match: (k) => k.startsWith('records:'),
    label: (k) => k.slice(8),
  },
  {
    id: 'rejections',
    title: 'Rejections per second, by vendor',
    unit: '/s',
    match: (k) => k.startsWith('rejections:'),
    label: (k) => k.slice(11),
  },
  {
    id: 'ingest-latency',
    title: 'Ingest acknowledgement latency',
    unit: 'ms',
    match: (k) => k === 'ingest_p50_ms' || k === 'ingest_p99_ms',
    label: (k) => k.slice(7, 10),
  },
  {
    id: 'api-rate',
    title: 'API requests per second',
    unit: '/s',
    match: (k) => k === 'api',
    label: () => 'requests',
  },
  {
    id: 'api-latency',
    title: 'API latency',
    unit: 'ms',
    match: (k) => k === 'api_p50_ms' || k === 'api_p99_ms',
    label: (k) => k.slice(4, 7),
  },
  {
    id: 'lag',
    title: 'Lag per consumer group (records)',
    unit: '',
    match: (k) => k.startsWith('lag:'),
    label: (k) => k.slice(4),
  },
  {
    id: 'lag-age',
    title: 'Oldest unread record per group (seconds)',
    unit: 's',
    match: (k) => k.startsWith('lag_s:'),
    label: (k) => k.slice(6),
  },
  {
    id: 'lake-files',
    title: 'Lake files written per minute',
    unit: '/min',
    match: (k) => k === 'lake_files_per_minute',
    label: () => 'files',
  },
];
let overviewSource = null;

function overview(page) {
  let window = sessionStorage.getItem('window') ?? '15m';
  let points = [];
  const grid = h('div', { class: 'grid' });
  const windows = h('div', { class: 'windows' });
  const draw = () => {
    const to = Date.now();
    const from = to - WINDOW_SPAN[window];
    grid.replaceChildren(
      ...CHARTS.map((c) => {
        const keys = [...new Set(points.flatMap((p) => Object.keys(p.v)))].filter(c.match).sort();
        const series = keys.map((k) => ({
          name: c.label(k),
          points: points.filter((p) => p.v[k] !== undefined).map((p) => [p.t, p.v[k]]),
        }));
        return h(
          'div',
          { class: 'card', id: `chart-${c.id}` },
          h('h2', {}, c.title),
          lineChart(series, { unit: c.unit, from, to }),
        );
      }),
    );
  };
  const connect = () => {
    overviewSource?.close();
    windows.replaceChildren(
      ...Object.keys(WINDOW_SPAN).map((w) =>
        h(
          'button',
          {
            type: 'button',
            class: w === window ? 'on' : 'secondary',
            onclick: () => {
              window = w;
              sessionStorage.setItem('window', w);
              connect();
            },
          },
          w,
        ),
      ),
    );
    const src = new EventSource(`/admin/v1/metrics/stream?window=${window}`);
    overviewSource = src;
    src.addEventListener('snapshot', (e) => {
      points = JSON.parse(e.data).points;
      draw();
    });
    src.addEventListener('point', (e) => {
      points.push(JSON.parse(e.data));
      const from = Date.now() - WINDOW_SPAN[window];
      points = points.filter((p) => p.t >= from);
      draw();
    });
  };
  page.append(h('h1', {}, 'Overview'), windows, grid);
  connect();
}

// ---------------------------------------------------------------- Dead letters
function pretty(payload, encoding, contentType) {
  if (encoding !== 'utf8') return payload;
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {}
  const lines = payload.split('\n').filter((l) => l.trim() !== '');
  if (/xml/.test(contentType ?? '') || payload.trimStart().startsWith('<')) {
    let depth = 0;
    return payload
      .replace(/>\s*</g, '>\n<')
      .split('\n')
      .map((l) => {
        if (/^<\//.test(l)) depth = Math.max(0, depth - 1);
        const out = `${'  '.repeat(depth)}${l}`;
        if (/^<[^!?/][^>]*[^/]>$/.test(l) && !/<\//.test(l)) depth++;
        return out;
      })
      .join('\n');
  }
  // NDJSON: each line on its own
  try {
    return lines.map((l) => JSON.stringify(JSON.parse(l), null, 2)).join('\n');
  } catch {
    return payload;
  }
}

async function deadLetters(page) {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const form = h(
    'form',
    { class: 'inline', id: 'dl-filter' },
    h('label', {}, 'Vendor', h('input', { name: 'vendor', value: params.get('vendor') ?? '' })),
    h('label', {}, 'Stage', h('input', { name: 'stage', value: params.get('stage') ?? '' })),
    h(
      'label',
      {},
      'Reason contains',
      h('input', { name: 'reason', value: params.get('reason') ?? '' }),
    ),
    h('button', { type: 'submit' }, 'Filter'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams([...new FormData(form)].filter(([, v]) => v !== ''));
    location.hash = `#/dead-letters?${q}`;
  });
  const list = h('div', { id: 'dl-list' }, 'loading…');
  const detail = h('div', { id: 'dl-detail' });
  const counts = h('div', { class: 'card', id: 'chart-dl-counts' });
  const redrive = h('div', { id: 'dl-redrive' });
  page.append(h('h1', {}, 'Dead letters'), form, counts, redrive, list, detail);
  const q = new URLSearchParams([...params].filter(([k, v]) => v !== '' && k !== 'n'));
  const [{ deadLetters: rows }, perHour] = await Promise.all([
    api(`/admin/v1/dead-letters?${q}`),
    api(`/admin/v1/dead-letters/counts?bucket=hour&${q}`),
  ]);
  countsChart(counts, perHour);
  redrive.append(redriveAllButton(q, rows.length));
  const byVendor = {};
  for (const r of rows) byVendor[r.vendor] = (byVendor[r.vendor] ?? 0) + 1;
  list.replaceChildren(
    h(
      'p',
      {},
      `${rows.length} dead letter(s)`,
      Object.keys(byVendor).length
        ? ` — ${Object.entries(byVendor)
            .map(([v, n]) => `${v}: ${n}`)
            .join(', ')}`
        : '',
    ),
    table(
      [
        { label: 'received', value: (r) => iso(r.receivedAt) },
        { label: 'vendor', value: (r) => r.vendor },
        { label: 'stage', value: (r) => r.stage },
        { label: 'reasons', value: (r) => r.reasons.join('; ') },
        { label: 'bytes', value: (r) => r.payloadBytes },
        { label: 'id', value: (r) => r.id },
      ],
      rows,
      (r) => openDeadLetter(detail, r.id),
    ),
  );
}

/** Dead letters per hour and vendor: a line per vendor. */
function countsChart(box, counts) {
  const vendors = [...new Set(counts.points.map((p) => p.vendor))].sort();
  box.replaceChildren(
    h('h2', {}, 'Dead letters per hour, by vendor'),
    lineChart(
      vendors.map((v) => ({
        name: v,
        points: counts.points.filter((p) => p.vendor === v).map((p) => [Date.parse(p.t), p.n]),
      })),
    ),
  );
}

/** Re-drives every dead letter of the filter `q`, then shows each one's outcome. */
function redriveAllButton(q, shown) {
  const outcomes = h('div', { id: 'redrive-all-outcome' });
  const body = Object.fromEntries(
    [...q].filter(([k]) => ['vendor', 'stage', 'reason'].includes(k)),
  );
  const button = h(
    'button',
    {
      type: 'button',
      id: 'redrive-all',
      class: 'secondary',
      disabled: shown === 0,
      onclick: async () => {
        if (!confirm(`Re-drive the ${shown} dead letter(s) of this filter through ingest?`)) return;
        outcomes.replaceChildren('re-driving…');
        try {
          const r = await api('/admin/v1/dead-letters/redrive', { method: 'POST', body });
          outcomes.replaceChildren(
            h('p', {}, `${r.outcomes.length} re-driven`),
            table(
              [
                { label: 'id', value: (o) => o.id },
                { label: 'ingest', value: (o) => (o.error ? 'failed' : o.status) },
                { label: 'accepted', value: (o) => o.accepted ?? '' },
                { label: 'rejected', value: (o) => o.rejected ?? '' },
                { label: 'error', value: (o) => o.error ?? '' },
              ],
              r.outcomes,
            ),
          );
        } catch (err) {
          outcomes.replaceChildren(errorBox(err));
        }
      },
    },
    `Re-drive all ${shown} of this filter`,
  );
  return h('div', {}, button, outcomes);
}

async function openDeadLetter(detail, id) {
  detail.replaceChildren('loading…');
  const d = await api(`/admin/v1/dead-letters/${encodeURIComponent(id)}`);
  const outcome = h('div', { id: 'redrive-outcome' });
  detail.replaceChildren(
    h('h2', {}, `Dead letter ${d.id}`),
    h(
      'p',
      {},
      `${d.vendor} · ${d.stage} · ${iso(d.receivedAt)} · ${d.contentType ?? 'no content type'} · ${d.payloadBytes} bytes`,
    ),
    h(
      'ul',
      { class: 'reasons' },
      d.reasons.map((r) => h('li', {}, r)),
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'redrive',
        onclick: async () => {
          outcome.replaceChildren('re-driving…');
          try {
            const r = await api(`/admin/v1/dead-letters/${encodeURIComponent(id)}/redrive`, {
              method: 'POST',
              body: {},
            });
            outcome.replaceChildren(
              h(
                'p',
                { class: 'notice', 'data-status': r.status, 'data-accepted': r.accepted },
                `ingest answered ${r.status}: ${r.accepted} accepted, ${r.rejected} rejected`,
              ),
              h('pre', {}, JSON.stringify(r.body, null, 2)),
            );
          } catch (err) {
            outcome.replaceChildren(errorBox(err));
          }
        },
      },
      'Re-drive through ingest',
    ),
    outcome,
    h('h2', {}, 'Payload'),
    d.payloadEncoding === 'object'
      ? h('p', {}, `stored as object ${d.payloadObject}`)
      : h('pre', { id: 'dl-payload' }, pretty(d.payload, d.payloadEncoding, d.contentType)),
  );
}

// ---------------------------------------------------------------- Stream
async function stream(page) {
  const s = await api('/admin/v1/stream');
  const byGroup = {};
  for (const l of s.lag) {
    byGroup[l.group] ??= { group: l.group, records: 0, age: 0 };
    const g = byGroup[l.group];
    g.records += l.records;
    g.age = Math.max(g.age, l.oldestAgeMs);
  }
  const metrics = await api('/admin/v1/metrics?window=15m');
  const lagKeys = [...new Set(metrics.points.flatMap((p) => Object.keys(p.v)))]
    .filter((k) => k.startsWith('lag:'))
    .sort();
  const lagChart = h(
    'div',
    { class: 'card', id: 'chart-stream-lag' },
    h('h2', {}, 'Lag per group, last 15 minutes (records)'),
    lineChart(
      lagKeys.map((k) => ({
        name: k.slice(4),
        points: metrics.points.filter((p) => p.v[k] !== undefined).map((p) => [p.t, p.v[k]]),
      })),
    ),
  );
  const confirmBox = h('div', { id: 'rewind-confirm' });
  const form = h(
    'form',
    { class: 'inline', id: 'rewind-form' },
    h(
      'label',
      {},
      'Group',
      h(
        'select',
        { name: 'group' },
        s.groups.map((g) => h('option', { value: g }, g)),
      ),
    ),
    h(
      'label',
      {},
      'From (UTC)',
      h('input', {
        name: 'from',
        type: 'datetime-local',
        step: 1,
        value: new Date(Date.now() - 3600e3).toISOString().slice(0, 19),
      }),
    ),
    h('button', { type: 'submit' }, 'Rewind…'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const body = { group: f.get('group'), from: `${f.get('from')}Z` };
    try {
      const { plan } = await api('/admin/v1/stream/rewind', { method: 'POST', body });
      confirmBox.replaceChildren(
        h(
          'div',
          { class: 'notice' },
          h(
            'p',
            {},
            `Rewinding group ${plan.group} re-reads every record received from ${iso(plan.from)} to now (about ${plan.estimatedRecords} records); its sinks rewrite the same results.`,
          ),
          h(
            'button',
            {
              type: 'button',
              id: 'rewind-confirm-button',
              onclick: async () => {
                const r = await api('/admin/v1/stream/rewind', {
                  method: 'POST',
                  body: { ...body, confirm: true },
                });
                confirmBox.replaceChildren(
                  h(
                    'p',
                    { class: 'notice', id: 'rewind-done' },
                    `rewound ${r.plan.group} to ${iso(r.plan.from)}`,
                  ),
                );
              },
            },
            'Confirm rewind',
          ),
          h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => confirmBox.replaceChildren() },
            'Cancel',
          ),
        ),
      );
    } catch (err) {
      confirmBox.replaceChildren(errorBox(err));
    }
  });
  page.append(
    h('h1', {}, 'Stream'),
    table(
      [
        { label: 'stream', value: () => `${s.name} (${s.backend})` },
        { label: 'shards', value: () => s.shards },
        { label: 'retention', value: () => `${s.retentionMs / 3600e3} h` },
        { label: 'records', value: () => s.records },
        { label: 'oldest', value: () => iso(s.oldestTimestamp) },
        { label: 'newest', value: () => iso(s.newestTimestamp) },
      ],
      [s],
    ),
    h('h2', {}, 'Consumer groups'),
    table(
      [
        { label: 'group', value: (g) => g.group },
        { label: 'lag (records)', value: (g) => g.records },
        { label: 'oldest unread', value: (g) => `${(g.age / 1000).toFixed(1)} s` },
      ],
      Object.values(byGroup),
    ),
    lagChart,
    h('h2', {}, 'Rewind a group (replay)'),
    form,
    confirmBox,
    h('h2', {}, 'Lag per shard'),
    table(
      [
        { label: 'group', value: (l) => l.group },
        { label: 'shard', value: (l) => l.shard },
        { label: 'records', value: (l) => l.records },
        { label: 'oldest unread', value: (l) => `${(l.oldestAgeMs / 1000).toFixed(1)} s` },
      ],
      s.lag,
    ),
  );
}

// ---------------------------------------------------------------- Lake
async function lake(page) {
  const [{ tables }, { tables: state }] = await Promise.all([
    api('/admin/v1/lake/tables'),
    api('/admin/v1/lake/state'),
  ]);
  const parts = h('div', { id: 'lake-partitions' });
  const sql = h(
    'textarea',
    { id: 'sql', name: 'sql' },
    "SELECT date_trunc('hour', received_at) AS hour, count(*) AS searches, count(DISTINCT origin || destination) AS markets FROM searches GROUP BY 1 ORDER BY 1",
  );
  const result = h('div', { id: 'sql-result' });
  const form = h('form', {}, sql, h('button', { type: 'submit' }, 'Run'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    result.replaceChildren('running…');
    try {
      const r = await api('/admin/v1/lake/sql', { method: 'POST', body: { sql: sql.value } });
      const timeCol = r.columns.find((c) => /TIMESTAMP|DATE/i.test(c.type));
      const numCols = r.columns.filter((c) =>
        /INT|DOUBLE|DECIMAL|FLOAT|REAL|NUMERIC/i.test(c.type),
      );
      const chart =
        timeCol && numCols.length > 0
          ? lineChart(
              numCols.map((c) => ({
                name: c.name,
                points: r.rows
                  .map((row) => [Date.parse(row[timeCol.name]), Number(row[c.name])])
                  .filter(([t, v]) => !Number.isNaN(t) && !Number.isNaN(v)),
              })),
            )
          : null;
      const download = (format) =>
        h(
          'a',
          {
            class: 'download',
            id: `download-${format}`,
            download: `result.${format}`,
            href: `/admin/v1/lake/export?${new URLSearchParams({ format, sql: sql.value })}`,
          },
          `Download ${format === 'csv' ? 'CSV' : 'Parquet'}`,
        );
      result.replaceChildren(
        h(
          'p',
          {},
          `${r.rows.length} row(s)${r.truncated ? ' (truncated; the downloads hold every row)' : ''} `,
          download('csv'),
          ' ',
          download('parquet'),
        ),
        chart ? h('div', { class: 'card', id: 'sql-chart' }, chart) : '',
        table(
          r.columns.map((c) => ({
            label: `${c.name} ${c.type}`,
            value: (row) =>
              typeof row[c.name] === 'object' && row[c.name] !== null
                ? JSON.stringify(row[c.name])
                : row[c.name],
          })),
          r.rows,
        ),
      );
    } catch (err) {
      result.replaceChildren(errorBox(err));
    }
  });
  page.append(
    h('h1', {}, 'Lake'),
    table(
      [
        { label: 'table', value: (t) => t.name },
        { label: 'location', value: (t) => t.location },
        { label: 'partitioned by', value: (t) => t.partitionKeys.join(', ') },
        {
          label: 'schema versions',
          value: (t) =>
            t.versions
              .map((v) => `v${v.version} (${v.columns.length} columns, since ${iso(v.since)})`)
              .join('; '),
        },
        { label: 'partitions', value: (t) => t.partitions.length },
      ],
      tables,
      (t) =>
        parts.replaceChildren(
          h('h2', {}, `Partitions of ${t.name}`),
          h('pre', {}, t.partitions.join('\n') || '(none)'),
        ),
    ),
    parts,
    h('h2', {}, 'Compaction and lifecycle'),
    h(
      'div',
      { id: 'lake-state' },
      table(
        [
          { label: 'table', value: (t) => t.table },
          { label: 'partitions', value: (t) => t.partitions },
          { label: 'files read', value: (t) => t.files },
          { label: 'bytes', value: (t) => t.bytes },
          { label: 'small (not compacted)', value: (t) => t.smallFiles },
          {
            label: 'compacted',
            value: (t) => `${t.compactedFiles} in ${t.compactedPartitions} partition(s)`,
          },
          { label: 'superseded', value: (t) => t.obsoleteFiles },
          {
            label: 'lifecycle now',
            value: (t) =>
              t.lifecycle === null
                ? 'bucket rules (S3)'
                : `${t.lifecycle.toArchive.length} day(s) to archive, ${t.lifecycle.toDelete.length} to delete`,
          },
        ],
        state,
      ),
    ),
    h('h2', {}, 'SQL over the lake'),
    form,
    result,
  );
}

// ---------------------------------------------------------------- Customers
async function customers(page) {
  const { customers: list } = await api('/admin/v1/customers');
  const msg = h('div', { id: 'customer-message' });
  const add = h(
    'form',
    { class: 'inline', id: 'customer-add' },
    h(
      'label',
      {},
      'New customer',
      h('input', { name: 'name', required: true, pattern: '[a-z][a-z0-9_]*' }),
    ),
    h('button', { type: 'submit' }, 'Add'),
  );
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api('/admin/v1/customers', {
        method: 'POST',
        body: { name: new FormData(add).get('name') },
      });
      await route();
      $('#customer-message').replaceChildren(
        h(
          'div',
          { class: 'notice' },
          `API key of ${r.name} (shown once, stored hashed): `,
          h('code', { id: 'new-key' }, r.key),
        ),
      );
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  });
  const grant = h(
    'form',
    { class: 'inline', id: 'customer-grant' },
    h(
      'label',
      {},
      'Customer',
      h(
        'select',
        { name: 'customer' },
        list.map((c) => h('option', { value: c.name }, c.name)),
      ),
    ),
    h('label', {}, 'Pond', h('input', { name: 'pond', required: true })),
    h('label', {}, 'Markets (JFK-LAX, …)', h('input', { name: 'markets' })),
    h('label', {}, 'Points of sale (US, …)', h('input', { name: 'pos' })),
    h('button', { type: 'submit' }, 'Grant'),
  );
  grant.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(grant);
    try {
      await api(`/admin/v1/customers/${encodeURIComponent(f.get('customer'))}/grants`, {
        method: 'POST',
        body: { pond: f.get('pond'), markets: f.get('markets'), pos: f.get('pos') },
      });
      await route();
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  });
  const rotate = async (c) => {
    try {
      const r = await api(`/admin/v1/customers/${encodeURIComponent(c)}/key`, {
        method: 'POST',
        body: {},
      });
      msg.replaceChildren(
        h(
          'div',
          { class: 'notice' },
          `New API key of ${r.name} (shown once; the old key no longer works): `,
          h('code', { id: 'new-key' }, r.key),
        ),
      );
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  };
  const revoke = async (c, pond) => {
    await api(`/admin/v1/customers/${encodeURIComponent(c)}/grants/${encodeURIComponent(pond)}`, {
      method: 'DELETE',
    });
    await route();
  };
  page.append(
    h('h1', {}, 'Customers'),
    add,
    msg,
    table(
      [
        { label: 'customer', value: (c) => c.name },
        { label: 'since', value: (c) => iso(c.createdAt) },
        {
          label: 'grants',
          value: (c) =>
            h(
              'span',
              {},
              c.grants.map((g) =>
                h(
                  'span',
                  { class: 'grant' },
                  `${g.pond}${g.markets ? ` [${g.markets.join(',')}]` : ''}${g.pos ? ` pos ${g.pos.join(',')}` : ''} `,
                  h(
                    'button',
                    { type: 'button', class: 'secondary', onclick: () => revoke(c.name, g.pond) },
                    'revoke',
                  ),
                  ' ',
                ),
              ),
            ),
        },
        {
          label: 'jobs',
          value: (c) =>
            h(
              'span',
              {},
              c.jobs.map((j) =>
                h(
                  'span',
                  { class: 'customer-job' },
                  `${j.name} (${j.schedule}) `,
                  h(
                    'button',
                    { type: 'button', class: 'secondary', onclick: () => dropJob(c.name, j.name) },
                    'remove',
                  ),
                  ' ',
                ),
              ),
            ),
        },
        {
          label: 'key',
          value: (c) =>
            h(
              'button',
              {
                type: 'button',
                class: 'secondary rotate',
                'data-customer': c.name,
                onclick: () => rotate(c.name),
              },
              'rotate',
            ),
        },
      ],
      list,
    ),
    h('h2', {}, 'Grant a pond'),
    grant,
    h('h2', {}, 'Add or replace a customer job'),
    jobForm(list, msg),
  );
}

/** A customer job: the customer's SQL over its ponds, materialized on a cron schedule. */
function jobForm(list, msg) {
  const form = h(
    'form',
    { id: 'customer-job' },
    h(
      'label',
      {},
      'Customer',
      h(
        'select',
        { name: 'customer' },
        list.map((c) => h('option', { value: c.name }, c.name)),
      ),
    ),
    h(
      'label',
      {},
      'Table',
      h('input', { name: 'name', required: true, pattern: '[a-z][a-z0-9_]*' }),
    ),
    h('label', {}, 'Schedule (cron, UTC)', h('input', { name: 'schedule', value: '0 * * * *' })),
    h('textarea', { name: 'sql', required: true, placeholder: 'SELECT … FROM <granted pond>' }),
    h('button', { type: 'submit' }, 'Save job'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    try {
      await api(`/admin/v1/customers/${encodeURIComponent(f.get('customer'))}/jobs`, {
        method: 'POST',
        body: { name: f.get('name'), sql: f.get('sql'), schedule: f.get('schedule') },
      });
      await route();
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  });
  return form;
}

async function dropJob(customer, job) {
  await api(`/admin/v1/customers/${encodeURIComponent(customer)}/jobs/${encodeURIComponent(job)}`, {
    method: 'DELETE',
  });
  await route();
}

// ---------------------------------------------------------------- router
const PAGES = { overview, 'dead-letters': deadLetters, stream, messages, lake, etl, customers };

async function route() {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0] || 'overview';
  const render = PAGES[name] ?? overview;
  overviewSource?.close();
  overviewSource = null;
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('active', a.getAttribute('href') === `#/${name}`);
  const page = h('section', { id: 'page', 'data-page': name });
  $('#page').replaceWith(page);
  try {
    await render(page);
  } catch (err) {
    page.append(errorBox(err));
  }
}

function showLogin() {
  overviewSource?.close();
  $('#nav').hidden = true;
  $('#page').replaceChildren();
  $('#login').hidden = false;
}

async function login(key) {
  const res = await fetch('/admin/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message ?? `login failed (${res.status})`);
  session.csrf = body.csrf;
  $('#login').hidden = true;
  $('#nav').hidden = false;
}

async function start() {
  whenUnauthorized(showLogin);
  $('#login').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await login($('#login-key').value);
      $('#login-key').value = '';
      await route();
    } catch (err) {
      $('#login-error').textContent = err.message;
    }
  });
  $('#logout').addEventListener('click', async () => {
    await api('/admin/v1/session', { method: 'DELETE' }).catch(() => {});
    session.csrf = null;
    showLogin();
  });
  window.addEventListener('hashchange', () => {
    if (session.csrf) route();
  });
  // `faresight up` prints a link with the key in the fragment (never sent to the server)
  const m = /^#key=([^&]+)/.exec(location.hash);
  if (m) {
    history.replaceState(null, '', `${location.pathname}#/overview`);
    try {
      await login(decodeURIComponent(m[1]));
      return route();
    } catch {}
  }
  const s = await fetch('/admin/v1/session')
    .then((r) => r.json())
    .catch(() => ({}));
  if (s.csrf) {
    session.csrf = s.csrf;
    $('#login').hidden = true;
    $('#nav').hidden = false;
    return route();
  }
  showLogin();
}

start();
