// The Messages page: the shopping stream as a message viewer. By shard and position
// (sequence) or time, or by record id, market or vendor; each record decoded from Avro
// into readable JSON with its offers.
import { api, h, iso, table } from './console-lib.js';

const FIELDS = [
  ['shard', 'Shard'],
  ['seq', 'From sequence'],
  ['from', 'From (UTC, or -30m)'],
  ['market', 'Market (JFK-LAX)'],
  ['vendor', 'Vendor'],
  ['id', 'Record id'],
  ['limit', 'Limit'],
];

const cheapest = (rec) => {
  const offers = rec?.offers ?? [];
  if (offers.length === 0) return '';
  const o = offers.reduce((a, b) => (Number(b.totalAmount) < Number(a.totalAmount) ? b : a));
  return `${o.totalAmount} ${o.currency}`;
};

export async function messages(page) {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const form = h(
    'form',
    { class: 'inline', id: 'msg-filter' },
    FIELDS.map(([name, label]) =>
      h('label', {}, label, h('input', { name, value: params.get(name) ?? '', size: 12 })),
    ),
    h('button', { type: 'submit' }, 'Browse'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams([...new FormData(form)].filter(([, v]) => v !== ''));
    location.hash = `#/messages?${q}`;
  });
  const list = h('div', { id: 'msg-list' }, 'loading…');
  const detail = h('div', { id: 'msg-detail' });
  page.append(h('h1', {}, 'Messages'), form, list, detail);
  const q = new URLSearchParams([...params].filter(([k, v]) => v !== '' && k !== 'n'));
  const r = await api(`/admin/v1/messages?${q}`);
  const next = r.next
    ? h(
        'button',
        {
          type: 'button',
          id: 'msg-next',
          class: 'secondary',
          onclick: () => {
            q.set('shard', r.next.shard);
            q.set('seq', r.next.seq);
            q.delete('from');
            location.hash = `#/messages?${q}`;
          },
        },
        `Next page (shard ${r.next.shard} from ${r.next.seq})`,
      )
    : '';
  list.replaceChildren(
    h(
      'p',
      {},
      `${r.messages.length} record(s), ${r.scanned} read${r.scanLimited ? ' (scan bound reached: narrow by shard, market or time)' : ''}`,
    ),
    table(
      [
        { label: 'time', value: (m) => iso(m.timestamp) },
        { label: 'shard', value: (m) => m.shard },
        { label: 'seq', value: (m) => m.seq },
        { label: 'market', value: (m) => m.key },
        { label: 'id', value: (m) => m.id },
        { label: 'offers', value: (m) => m.record?.offers?.length ?? m.error },
        { label: 'cheapest', value: (m) => cheapest(m.record) },
        { label: 'bytes', value: (m) => m.bytes },
      ],
      r.messages,
      (m) =>
        detail.replaceChildren(
          h('h2', {}, `${m.id} · shard ${m.shard} · seq ${m.seq}`),
          h('pre', { id: 'msg-json' }, m.error ?? JSON.stringify(m.record, null, 2)),
        ),
    ),
    next,
  );
}
