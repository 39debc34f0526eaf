// Explore: from an airport within a budget, the destinations the route graph reaches
// (GET /v1/graph/explore) as points on an offline map (an equirectangular projection of
// the airports' coordinates from GET /v1/airports: no tiles, nothing from the internet),
// and the self-transfer routes for a pair (GET /v1/graph/routes).
import { useState } from '../vendor/hooks.mjs';
import { api, Card, html, money, useLoad } from './lib.js';
import { AirportInput } from './pickers.js';

const W = 720;
const H = 360;
const x = (lon) => ((lon + 180) / 360) * W;
const y = (lat) => ((90 - lat) / 180) * H;

/** The view box around the points drawn, with a margin, never narrower than 40 degrees. */
function frame(points) {
  const xs = points.map((p) => x(p.lon));
  const ys = points.map((p) => y(p.lat));
  const pad = 20;
  let [x0, x1, y0, y1] = [
    Math.min(...xs) - pad,
    Math.max(...xs) + pad,
    Math.min(...ys) - pad,
    Math.max(...ys) + pad,
  ];
  const minW = (40 / 360) * W;
  if (x1 - x0 < minW) [x0, x1] = [(x0 + x1 - minW) / 2, (x0 + x1 + minW) / 2];
  if ((y1 - y0) * 2 < x1 - x0)
    [y0, y1] = [(y0 + y1 - (x1 - x0) / 2) / 2, (y0 + y1 + (x1 - x0) / 2) / 2];
  return `${x0.toFixed(1)} ${y0.toFixed(1)} ${(x1 - x0).toFixed(1)} ${(y1 - y0).toFixed(1)}`;
}

function MapView({ airports, origin, destinations, onPick }) {
  const at = new Map(airports.map((a) => [a.code, a]));
  const o = at.get(origin);
  const placed = destinations.filter((d) => at.has(d.destination));
  if (!o) return html`<p class="empty">no coordinates for ${origin}</p>`;
  const prices = placed.map((d) => d.totalAmount);
  const [lo, hi] = [Math.min(...prices), Math.max(...prices)];
  const hue = (p) => 120 * (1 - (p - lo) / (hi - lo || 1));
  const grid = [];
  for (let lon = -180; lon <= 180; lon += 30)
    grid.push(html`<line class="graticule" x1=${x(lon)} y1="0" x2=${x(lon)} y2=${H} />`);
  for (let lat = -60; lat <= 60; lat += 30)
    grid.push(html`<line class="graticule" x1="0" y1=${y(lat)} x2=${W} y2=${y(lat)} />`);
  return html`<svg class="map" id="explore-map" viewBox=${frame([o, ...placed.map((d) => at.get(d.destination))])}
      role="img" data-points=${placed.length} aria-label=${`destinations from ${origin}`}>
    <rect x="0" y="0" width=${W} height=${H} class="sea" />
    ${grid}
    ${airports.map((a) => html`<circle class="airport" cx=${x(a.lon)} cy=${y(a.lat)} r="1.2"><title>${a.code} ${a.city}</title></circle>`)}
    ${placed.map((d) => {
      const a = at.get(d.destination);
      return html`<line class="leg" x1=${x(o.lon)} y1=${y(o.lat)} x2=${x(a.lon)} y2=${y(a.lat)} stroke=${`hsl(${hue(d.totalAmount)} 60% 45%)`} />`;
    })}
    ${placed.map((d) => {
      const a = at.get(d.destination);
      return html`<g class="destination" data-code=${d.destination} onClick=${() => onPick(d.destination)}>
        <circle cx=${x(a.lon)} cy=${y(a.lat)} r="3.5" fill=${`hsl(${hue(d.totalAmount)} 70% 45%)`} />
        <text x=${x(a.lon) + 5} y=${y(a.lat) + 3}>${d.destination} ${Math.round(d.totalAmount)}</text>
        <title>${a.city}: ${money(d.totalAmount, d.currency)}${d.selfTransfer ? `, ${d.transfers} self-transfer(s)` : ''}</title>
      </g>`;
    })}
    <circle class="origin" cx=${x(o.lon)} cy=${y(o.lat)} r="5"><title>${o.code} ${o.city}</title></circle>
  </svg>`;
}

const legs = (it) =>
  it.fares
    .map(
      (f) =>
        `${f.origin}→${f.destination} ${f.carrier} ${f.departAt.slice(5, 16).replace('T', ' ')} ${Math.round(f.amount)}`,
    )
    .join(' · ');

/** The destinations as a table, cheapest first (close airports overlap on the map). */
function Destinations({ destinations, airports, onPick }) {
  const city = new Map(airports.map((a) => [a.code, a.city]));
  return html`<table id="explore-list"><thead><tr><th>to</th><th>total</th><th>tickets</th><th>departs</th></tr></thead>
    <tbody>${destinations.map(
      (
        d,
      ) => html`<tr class="clickable" data-code=${d.destination} onClick=${() => onPick(d.destination)}>
        <td>${d.destination} ${city.get(d.destination) ?? ''}</td><td>${money(d.totalAmount, d.currency)}</td>
        <td>${d.fares.length}</td><td>${d.departAt.slice(0, 16).replace('T', ' ')}</td></tr>`,
    )}</tbody></table>`;
}

function Routes({ origin, destination }) {
  const s = useLoad(
    () => api(`/v1/graph/routes?origin=${origin}&destination=${destination}&maxStops=2`),
    [origin, destination],
  );
  const its = s.data?.itineraries ?? [];
  return html`<${Card} id="routes" title=${`Self-transfer routes ${origin} → ${destination}`} state=${s}>
    ${
      s.data &&
      (its.length === 0
        ? html`<p class="empty">no combination of one-way fares found</p>`
        : html`<table><thead><tr><th>total</th><th>tickets</th><th>fares</th><th>vs through fare</th></tr></thead>
          <tbody>${its.map(
            (
              it,
            ) => html`<tr><td>${money(it.totalAmount, it.currency)}</td><td>${it.fares.length}</td><td>${legs(it)}</td>
            <td>${it.throughFare === null ? 'no through fare' : it.beatsThroughFare ? `beats ${Math.round(it.throughFare)}` : `through fare ${Math.round(it.throughFare)}`}</td></tr>`,
          )}</tbody></table>`)
    }
  <//>`;
}

export function Explore() {
  const airports = useLoad(() => api('/v1/airports'), []);
  const [origin, setOrigin] = useState('JFK');
  const [budget, setBudget] = useState(1500);
  const [target, setTarget] = useState('');
  const s = useLoad(
    () => api(`/v1/graph/explore?origin=${origin}&budget=${budget}&currency=USD&maxStops=1`),
    [origin, budget],
  );
  const list = airports.data?.airports ?? [];
  const dests = s.data?.destinations ?? [];
  return html`<h1>Explore</h1>
    <form class="inline" id="explore-form" onSubmit=${(e) => e.preventDefault()}>
      <${AirportInput} name="origin" label="From" value=${origin} airports=${list} onChange=${(
        v,
      ) => {
        setOrigin(v);
        setTarget('');
      }} />
      <label>Budget (USD) <input name="budget" type="number" min="1" step="50" value=${budget} onChange=${(e) => setBudget(Number(e.target.value) || 1)} /></label>
    </form>
    <div class="grid wide">
      <${Card} id="explore" title=${`Where ${origin} reaches within ${budget} USD (at most one self-transfer)`} state=${airports.error ? airports : s}>
        ${
          s.data &&
          airports.data &&
          (dests.length === 0
            ? html`<p class="empty">nothing within this budget yet</p>`
            : html`<${MapView} airports=${list} origin=${origin} destinations=${dests} onPick=${setTarget} />
              <p class="empty">${dests.length} destination(s); click one, on the map or below, for its routes</p>
              <${Destinations} destinations=${dests} airports=${list} onPick=${setTarget} />`)
        }
      <//>
      ${target && html`<${Routes} origin=${origin} destination=${target} />`}
    </div>`;
}
