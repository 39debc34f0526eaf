// Demand: searches per day with the 28-day forecast and its 80/95 % bands (the forecast
// job's output; the pond market_demand_daily while no forecast exists yet), and the
// airport scorecard of pond airport_demand_weekly (outbound/inbound, busiest markets,
// business vs leisure).

import { bandChart, lineChart } from '../chart.js';
import { useState } from '../vendor/hooks.mjs';
import { api, Card, Chart, html, lit, ms, sql, useLoad } from './lib.js';
import { AirportInput, MarketPicker } from './pickers.js';

async function demandOf(market) {
  try {
    return { view: await api(`/v1/markets/${market}/demand`) };
  } catch (err) {
    if (err.status !== 404) throw err;
    const rows = await sql(
      `SELECT shop_date, sum(searches) AS searches FROM market_demand_daily WHERE market = ${lit(market)} GROUP BY ALL ORDER BY shop_date`,
    );
    return { rows, why: err.message };
  }
}

function Forecast({ market }) {
  const s = useLoad(() => demandOf(market), [market]);
  const v = s.data?.view;
  const make = () =>
    v
      ? bandChart(
          v.history.map((p) => [ms(p.date), p.count]),
          v.forecast.map((f) => ({ ...f, t: ms(f.date) })),
          { name: 'searches' },
        )
      : lineChart(
          [
            {
              name: 'searches',
              points: s.data.rows.map((r) => [ms(r.shop_date), Number(r.searches)]),
            },
          ],
          { empty: 'the pond has no rows for this market yet' },
        );
  return html`<${Card} id="demand-forecast" title=${`Searches per day of ${market} and the 28-day forecast`} state=${s}>
    ${
      s.data &&
      html`<${Chart} deps=${[s.data]} make=${make} />
      <p class="empty">${v ? `model ${v.model}, fitted ${v.generatedAt.slice(0, 16).replace('T', ' ')}; bands: 80 % and 95 % prediction intervals` : `${s.data.why}: the history from pond market_demand_daily, without a forecast`}</p>`
    }
  <//>`;
}

function Scorecard({ airport }) {
  const s = useLoad(
    () =>
      sql(
        `SELECT week, outbound_searches, inbound_searches, business_searches, leisure_searches, business_share, top_markets FROM airport_demand_weekly WHERE airport = ${lit(airport)} ORDER BY week`,
      ),
    [airport],
  );
  const rows = s.data ?? [];
  const last = rows[rows.length - 1];
  const line = (col, name) => ({ name, points: rows.map((r) => [ms(r.week), Number(r[col])]) });
  const tops = last
    ? Array.isArray(last.top_markets)
      ? last.top_markets
      : String(last.top_markets).replace(/[[\]]/g, '').split(',')
    : [];
  return html`<${Card} id="scorecard" title=${`Airport scorecard of ${airport} by week (pond airport_demand_weekly)`} state=${s}>
    ${
      s.data &&
      (rows.length === 0
        ? html`<p class="empty">the pond has no rows for ${airport} yet</p>`
        : html`<div class="figures">
            <div><b>${last.outbound_searches}</b> outbound</div>
            <div><b>${last.inbound_searches}</b> inbound</div>
            <div><b>${(Number(last.business_share) * 100).toFixed(0)} %</b> business</div>
            <div>busiest markets (week of ${String(last.week).slice(0, 10)}): <ol id="top-markets">${tops.map((m) => html`<li>${String(m).trim()}</li>`)}</ol></div>
          </div>
          <div id="scorecard-directions"><${Chart} deps=${[rows]} make=${() => lineChart([line('outbound_searches', 'outbound'), line('inbound_searches', 'inbound')])} /></div>
          <div id="scorecard-segments"><${Chart} deps=${[rows]} make=${() => lineChart([line('business_searches', 'business'), line('leisure_searches', 'leisure')])} /></div>`)
    }
  <//>`;
}

export function Demand() {
  const [market, setMarket] = useState('');
  const [airport, setAirport] = useState('');
  const shown = airport || market.split('-')[0];
  return html`<h1>Demand</h1>
    <form class="inline" onSubmit=${(e) => e.preventDefault()}>
      <${MarketPicker} value=${market} onChange=${setMarket} />
      <${AirportInput} name="airport" label="Airport (scorecard)" value=${shown} onChange=${setAirport} />
    </form>
    ${
      market &&
      html`<div class="grid">
      <${Forecast} market=${market} />
      <${Scorecard} airport=${shown} />
    </div>`
    }`;
}
