// The ETL page: jobs with their health and run history; start a run or a backfill (a
// date range) and watch its progress and outcome.
import { api, errorBox, h, iso, table } from './console-lib.js';

const POLL_MS = 500;

function operationView(op) {
  const what =
    op.kind === 'backfill'
      ? `backfill of ${op.job} from ${op.from} to ${op.to}`
      : `run of ${op.job}`;
  return h(
    'div',
    {
      class: op.status === 'failed' ? 'error' : 'notice',
      'data-status': op.status,
      'data-op': op.id,
    },
    h('p', {}, `${what}: ${op.status}, ${op.done}/${op.total} step(s), ${op.rows} rows`),
    h('progress', { max: op.total, value: op.done }),
    op.step ? h('p', {}, `now: ${op.step}`) : '',
    op.message ? h('p', {}, op.message) : '',
    op.error ? h('pre', {}, op.error) : '',
  );
}

/** Polls the operation until it ends, redrawing `box`. */
async function watch(box, op) {
  box.replaceChildren(operationView(op));
  while (op.status === 'running') {
    await new Promise((r) => setTimeout(r, POLL_MS));
    op = await api(`/admin/v1/etl/operations/${encodeURIComponent(op.id)}`);
    box.replaceChildren(operationView(op));
  }
}

export async function etl(page) {
  const [{ jobs }, { runs }] = await Promise.all([
    api('/admin/v1/etl/jobs'),
    api('/admin/v1/etl/runs?limit=50'),
  ]);
  const dur = (r) =>
    r.endedAt
      ? `${((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1)} s`
      : 'running';
  const box = h('div', { id: 'etl-operation' });
  const form = h(
    'form',
    { class: 'inline', id: 'etl-start' },
    h(
      'label',
      {},
      'Job',
      h(
        'select',
        { name: 'job' },
        jobs.map((j) => h('option', { value: j.job }, j.job)),
      ),
    ),
    h('label', {}, 'Backfill from', h('input', { name: 'from', type: 'date' })),
    h('label', {}, 'to', h('input', { name: 'to', type: 'date' })),
    h('button', { type: 'submit' }, 'Start'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const body = { job: f.get('job') };
    if (f.get('from') || f.get('to')) Object.assign(body, { from: f.get('from'), to: f.get('to') });
    try {
      await watch(box, await api('/admin/v1/etl/operations', { method: 'POST', body }));
    } catch (err) {
      box.replaceChildren(errorBox(err));
    }
  });
  page.append(
    h('h1', {}, 'ETL'),
    h('h2', {}, 'Run now, or backfill a date range'),
    form,
    box,
    h('h2', {}, 'Jobs'),
    table(
      [
        { label: 'job', value: (j) => j.job },
        { label: 'schedule', value: (j) => j.schedule },
        {
          label: 'last run',
          value: (j) =>
            j.lastRun ? `${j.lastRun.status} ${iso(j.lastRun.startedAt)}` : 'never run',
        },
        { label: 'duration', value: (j) => (j.lastRun ? dur(j.lastRun) : '') },
        { label: 'rows', value: (j) => j.lastRun?.rowsOut ?? '' },
        { label: 'last success', value: (j) => iso(j.lastSuccessAt) },
        { label: 'failures', value: (j) => j.consecutiveFailures },
      ],
      jobs,
    ),
    h('h2', {}, 'Recent runs'),
    table(
      [
        { label: 'id', value: (r) => r.id },
        { label: 'job', value: (r) => r.job },
        { label: 'kind', value: (r) => r.kind },
        { label: 'slot', value: (r) => r.slot },
        { label: 'started', value: (r) => iso(r.startedAt) },
        { label: 'duration', value: dur },
        { label: 'status', value: (r) => r.status },
        { label: 'rows', value: (r) => r.rowsOut },
        { label: 'error', value: (r) => r.error },
      ],
      runs,
    ),
  );
}
