// Market: the fare calendar (a colour grid and a bar chart of the cheapest fare per
// departure date, one-way or by stay length), the cheapest fares by carrier and stops on
// a chosen date, the price trend by departure week and lead time (pond fare_trends, when
// granted) and the deals of the market with their explanations.

import { barChart, lineChart } from '../chart.js';
import { useEffect, useState } from '../vendor/hooks.mjs';
import { api, Card, Chart, day, html, lit, money, ms, sql, useLoad } from './lib.js';
import { MarketPicker } from './pickers.js';

const STAYS = [0, 3, 7, 14];
const DAYS = 60;

/** The currency most days are priced in (currencies are never compared). */
function mainCurrency(rows) {
  const n = new Map();
  for (const r of rows) n.set(r.currency, (n.get(r.currency) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function CalendarGrid({ days, selected, onPick }) {
  const min = Math.min(...days.map((d) => d.amount));
  const max = Math.max(...days.map((d) => d.amount));
  const by = new Map(days.map((d) => [d.departureDate, d]));
  const first = ms(day(0));
  const lead = (new Date(first).getUTCDay() + 6) % 7; // Monday first
  const cells = [];
  for (let i = -lead; i < DAYS; i++) {
    const date = new Date(first + i * 864e5).toISOString().slice(0, 10);
    const d = i >= 0 ? by.get(date) : undefined;
    const hue = d ? 120 * (1 - (d.amount - min) / (max - min || 1)) : 0;
    cells.push(
      i < 0
        ? html`<div class="cell blank"></div>`
        : html`<button type="button" class=${`cell${d ? ' priced' : ''}${date === selected ? ' on' : ''}`}
            style=${d ? { background: `hsl(${hue.toFixed(0)} 70% 80%)` } : {}}
            title=${d ? `${date}: ${money(d.amount, d.currency)} ${d.carrier}, ${d.stops} stop(s)` : `${date}: no fare`}
            data-date=${date} onClick=${() => d && onPick(date)}>
            <span>${date.slice(8)}</span>${d ? html`<b>${Math.round(d.amount)}</b>` : ''}
          </button>`,
    );
  }
  return html`<div class="calendar" data-priced=${days.length}>
    ${['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((w) => html`<div class="dow">${w}</div>`)}
    ${cells}
  </div>`;
}

function Calendar({ market, stay, selected, onPick }) {
  const [o, d] = market.split('-');
  const s = useLoad(
    () =>
      api(
        `/v1/fares/calendar?origin=${o}&destination=${d}&from=${day(0)}&to=${day(DAYS - 1)}${stay ? `&stay=${stay}` : ''}`,
      ),
    [market, stay],
  );
  const cur = s.data && mainCurrency(s.data.days);
  const days = s.data ? s.data.days.filter((x) => x.currency === cur) : [];
  // the cheapest date is the one shown in detail until another is picked
  if (days.length > 0 && !days.some((x) => x.departureDate === selected)) {
    const best = days.reduce((a, b) => (b.amount < a.amount ? b : a));
    queueMicrotask(() => onPick(best.departureDate));
  }
  return html`<${Card} id="fare-calendar" title=${`Fare calendar, next ${DAYS} days (${stay ? `${stay}-night stay` : 'one-way'}${cur ? `, ${cur}` : ''})`} state=${s}>
    ${
      s.data &&
      (days.length === 0
        ? html`<p class="empty">no fares for this market yet</p>`
        : html`<${CalendarGrid} days=${days} selected=${selected} onPick=${onPick} />
          <${Chart} deps=${[s.data, cur]} make=${() =>
            barChart(
              days.map((x) => ({ x: ms(x.departureDate), y: x.amount })),
              { name: `cheapest fare ${cur}` },
            )} />`)
    }
  <//>`;
}

function Cheapest({ market, date, stay }) {
  const [o, d] = market.split('-');
  const ret = stay ? new Date(ms(date) + stay * 864e5).toISOString().slice(0, 10) : '';
  const s = useLoad(
    () =>
      api(
        `/v1/fares/cheapest?origin=${o}&destination=${d}&departureDate=${date}${ret ? `&returnDate=${ret}` : ''}`,
      ),
    [market, date, stay],
  );
  const fares = s.data?.fares ?? [];
  return html`<${Card} id="cheapest" title=${`Cheapest by carrier and stops, departing ${date}${ret ? `, back ${ret}` : ''}`} state=${s}>
    ${
      s.data &&
      (fares.length === 0
        ? html`<p class="empty">no fares on this date</p>`
        : html`<${Chart} deps=${[fares]} make=${() =>
            barChart(
              fares.map((f, i) => ({ x: i, y: f.amount })),
              { name: 'cheapest fare', labels: fares.map((f) => `${f.carrier} ${f.stops}st`) },
            )} />
          <table><thead><tr><th>carrier</th><th>stops</th><th>cabin</th><th>fare</th><th>seen</th></tr></thead>
          <tbody>${fares.map((f) => html`<tr><td>${f.carrier}</td><td>${f.stops}</td><td>${f.cabin}</td><td>${money(f.amount, f.currency)}</td><td>${f.seenAt.slice(0, 16).replace('T', ' ')}</td></tr>`)}</tbody></table>`)
    }
  <//>`;
}

const LEAD_BUCKETS = ['00-06', '07-13', '14-29', '30-59', '60-119', '120+'];

/** How often the trend asks again while the pond has no rows for its market yet (or fails), ms. */
const TREND_RETRY_MS = 5000;

function Trend({ market }) {
  const where = `market = ${lit(market)} AND trip_type = 'oneway'`;
  // A market opened before the pond's first run for it would say "no rows yet" (or,
  // before the pond's first run at all, that fare_trends does not exist) for good: ask
  // again until it has rows.
  const [attempt, setAttempt] = useState(0);
  const s = useLoad(async () => {
    const [week, lead] = await Promise.all([
      sql(
        `SELECT departure_week, currency, min(min_fare) AS min_fare, median(median_fare) AS median_fare FROM fare_trends WHERE ${where} GROUP BY ALL ORDER BY departure_week`,
      ),
      sql(
        `SELECT lead_time_bucket, currency, min(min_fare) AS min_fare, median(median_fare) AS median_fare FROM fare_trends WHERE ${where} GROUP BY ALL`,
      ),
    ]);
    const cur = mainCurrency(week);
    return {
      cur,
      week: week.filter((r) => r.currency === cur),
      lead: lead.filter((r) => r.currency === cur),
    };
  }, [market, attempt]);
  const v = s.data;
  useEffect(() => {
    if (s.loading || (v && v.week.length > 0)) return;
    const t = setTimeout(() => setAttempt((n) => n + 1), TREND_RETRY_MS);
    return () => clearTimeout(t);
  }, [s]);
  const lead = v
    ? LEAD_BUCKETS.map((b) => v.lead.find((r) => r.lead_time_bucket === b)).filter(Boolean)
    : [];
  const series = (col) => ({
    name: col.replace('_', ' '),
    points: v.week.map((r) => [ms(r.departure_week), Number(r[col])]),
  });
  return html`<${Card} id="fare-trend" title=${`Price trend, one-way${v?.cur ? ` (${v.cur})` : ''} (pond fare_trends)`} state=${s}>
    ${
      v &&
      (v.week.length === 0
        ? html`<p class="empty">the pond has no rows for this market yet</p>`
        : html`<h3>by departure week</h3>
          <div id="trend-week"><${Chart} deps=${[v]} make=${() => lineChart([series('min_fare'), series('median_fare')])} /></div>
          <h3>by lead time (days before departure)</h3>
          <div id="trend-lead"><${Chart} deps=${[v]} make=${() =>
            barChart(
              lead.map((r, i) => ({ x: i, y: Number(r.median_fare) })),
              { name: 'median fare', labels: lead.map((r) => r.lead_time_bucket) },
            )} /></div>`)
    }
  <//>`;
}

function Deals({ market }) {
  const [o, d] = market.split('-');
  const s = useLoad(() => api(`/v1/deals?origin=${o}&destination=${d}&limit=12`), [market]);
  const deals = s.data?.deals ?? [];
  return html`<${Card} id="deals" wide title="Deals: fares well below comparable ones" state=${s}>
    ${
      s.data &&
      (deals.length === 0
        ? html`<p class="empty">no deals in this market right now</p>`
        : html`<table><thead><tr><th></th><th>departure</th><th>carrier</th><th>fare</th><th>typical</th><th>saving</th><th>why</th></tr></thead>
          <tbody>${deals.map((x) => html`<tr><td class=${`deal ${x.label}`}>${x.label}</td><td>${x.departureDate}${x.returnDate ? ` – ${x.returnDate}` : ''}</td><td>${x.carrier} ${x.stops}st</td><td>${money(x.price, x.currency)}</td><td>${money(x.typicalPrice, x.currency)}</td><td>${x.savingsPct.toFixed(0)} %</td><td>${x.explanation}</td></tr>`)}</tbody></table>`)
    }
  <//>`;
}

export function Market() {
  const [market, setMarket] = useState('');
  const [stay, setStay] = useState(0);
  const [date, setDate] = useState('');
  return html`<h1>Market</h1>
    <form class="inline" onSubmit=${(e) => e.preventDefault()}>
      <${MarketPicker} value=${market} onChange=${setMarket} />
      <label>Trip
        <select name="stay" value=${stay} onChange=${(e) => setStay(Number(e.target.value))}>
          ${STAYS.map((n) => html`<option value=${n}>${n ? `round trip, ${n} nights` : 'one-way'}</option>`)}
        </select>
      </label>
    </form>
    ${
      market &&
      html`<div class="grid">
      <${Calendar} market=${market} stay=${stay} selected=${date} onPick=${setDate} />
      ${date && html`<${Cheapest} market=${market} date=${date} stay=${stay} />`}
      <${Trend} market=${market} />
      <${Deals} market=${market} />
    </div>`
    }`;
}
