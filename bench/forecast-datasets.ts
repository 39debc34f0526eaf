/** Data sets of bench/forecast.bench.ts: the shared real series and generated ones. */
import { existsSync, readFileSync } from 'node:fs';
import type { InputSeries } from '../src/analytics/forecast/series-csv.js';

const SHARED = new URL('../../shared/data/series/', import.meta.url);

/** Seeded uniform (0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

/** AirPassengers monthly 1949–1960; empty when the shared folder lacks it. */
export function airPassengers(): InputSeries[] {
  const f = new URL('airpassengers/airline-passengers.csv', SHARED);
  if (!existsSync(f)) return [];
  const lines = readFileSync(f, 'utf8').trim().split('\n').slice(1);
  return [
    {
      id: 'AirPassengers',
      dates: lines.map((l) => (l.split(',')[0] as string).replaceAll('"', '')),
      values: Float64Array.from(lines, (l) => Number(l.split(',')[1])),
    },
  ];
}

/** SFO monthly passengers per operating airline and per GEO region: complete to 2019-06, ≥ 72 months. */
export function sfo(): InputSeries[] {
  const f = new URL('sfo/Air_Traffic_Passenger_Statistics.csv', SHARED);
  if (!existsSync(f)) return [];
  const lines = readFileSync(f, 'utf8').trim().split(/\r?\n/);
  const sums = new Map<string, Map<number, number>>();
  let last = 0;
  for (const l of lines.slice(1)) {
    const c = l.split(',');
    const period = Number(c[0]);
    const count = Number(c[c.length - 1]);
    last = Math.max(last, period);
    for (const id of [`airline:${c[1]}`, `region:${c[6]}`]) {
      let m = sums.get(id);
      if (!m) {
        m = new Map();
        sums.set(id, m);
      }
      m.set(period, (m.get(period) ?? 0) + count);
    }
  }
  const monthIndex = (p: number) => Math.floor(p / 100) * 12 + (p % 100) - 1;
  const out: InputSeries[] = [];
  for (const [id, m] of sums) {
    const periods = [...m.keys()].sort((a, b) => a - b);
    if (periods.at(-1) !== last) continue;
    const first = monthIndex(periods[0] as number);
    const n = monthIndex(last) - first + 1;
    if (n < 72) continue;
    const values = new Float64Array(n);
    for (const [p, v] of m) values[monthIndex(p) - first] = v;
    if (values.filter((v) => v <= 0).length > 0) continue; // gaps: the airline left and came back
    const dates = Array.from({ length: n }, (_, i) => {
      const mi = first + i;
      return `${Math.floor(mi / 12)}-${String((mi % 12) + 1).padStart(2, '0')}`;
    });
    out.push({ id, dates, values });
  }
  return out;
}

/** ETS-like generated series: level random walk, optional damped trend, multiplicative or additive season, noise. */
export function generated(count: number, n: number, m: number, seed: number): InputSeries[] {
  const u = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const out: InputSeries[] = [];
  for (let s = 0; s < count; s++) {
    const mult = u() < 0.6;
    const amp = 0.1 + 0.4 * u();
    const pattern = Array.from(
      { length: m },
      (_, k) => Math.sin((2 * Math.PI * k) / m + u()) * amp + 0.15 * gauss() * amp,
    );
    let l = 100 + 900 * u();
    let b = u() < 0.5 ? 0 : (u() - 0.4) * l * 0.004;
    const alpha = 0.05 + 0.3 * u();
    const sigma = 0.03 + 0.12 * u();
    const values = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      const e = sigma * gauss();
      const seas = pattern[t % m] as number;
      const mean = mult ? l * (1 + seas) : l + seas * 100;
      values[t] = Math.max(1, mean * (1 + e));
      l = l + b + alpha * l * e;
      b *= 0.995;
    }
    out.push({ id: `gen${s}`, dates: Array.from({ length: n }, (_, i) => String(i + 1)), values });
  }
  return out;
}

/**
 * US gasoline supplied, weekly 1991–2017 (yearly season, m = 52): cut from the end into
 * `count` consecutive slices of `length` weeks each (a few years of history per series,
 * as a weekly demand series usually has); empty when the shared folder lacks it.
 */
export function gasoline(count: number, length: number): InputSeries[] {
  const f = new URL('gasoline/gasoline.csv', SHARED);
  if (!existsSync(f)) return [];
  const v = readFileSync(f, 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => Number(l.split(',')[2]));
  const out: InputSeries[] = [];
  for (let s = 0; s < count && v.length - (s + 1) * length >= 0; s++) {
    const end = v.length - s * length;
    const values = Float64Array.from(v.slice(end - length, end));
    out.push({
      id: `gasoline-${s}`,
      dates: Array.from({ length }, (_, i) => String(i + 1)),
      values,
    });
  }
  return out;
}

/** Monthly departures from Australia 1976– by traveller type (5 series, m = 12); empty when absent. */
export function departures(): InputSeries[] {
  const f = new URL('departures/departures.csv', SHARED);
  if (!existsSync(f)) return [];
  const lines = readFileSync(f, 'utf8').trim().split(/\r?\n/);
  const header = (lines[0] as string).split(',');
  return header.slice(1).map((name, j) => {
    const values = Float64Array.from(lines.slice(1), (l) => Number(l.split(',')[j + 1]));
    return {
      id: `departures:${name}`,
      dates: Array.from({ length: values.length }, (_, i) => String(i + 1)),
      values,
    };
  });
}
