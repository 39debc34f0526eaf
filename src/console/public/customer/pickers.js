// Choosers the customer pages share: a market among those with data, an airport.
import { api, html, useLoad } from './lib.js';

/** A <select> of the busiest markets (GET /v1/markets); calls onChange with "JFK-LAX". */
export function MarketPicker({ value, onChange }) {
  const s = useLoad(() => api('/v1/markets?limit=100'), []);
  const markets = s.data?.markets ?? [];
  if (!value && markets[0])
    queueMicrotask(() => onChange(`${markets[0].origin}-${markets[0].destination}`));
  if (s.error) return html`<p class="error">${s.error.message}</p>`;
  return html`<label>Market
    <select name="market" value=${value} onChange=${(e) => onChange(e.target.value)}>
      ${markets.map((m) => {
        const k = `${m.origin}-${m.destination}`;
        return html`<option value=${k}>${k} (${m.searches} searches)</option>`;
      })}
    </select>
  </label>`;
}

/** A 3-letter airport code input with the known airports as suggestions. */
export function AirportInput({ name, label, value, onChange, airports }) {
  return html`<label>${label}
    <input name=${name} value=${value} list=${`${name}-list`} size="5" maxlength="3"
      onChange=${(e) => onChange(e.target.value.trim().toUpperCase())} />
    <datalist id=${`${name}-list`}>
      ${(airports ?? []).map((a) => html`<option value=${a.code}>${a.city}</option>`)}
    </datalist>
  </label>`;
}
