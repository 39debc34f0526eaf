/**
 * `npm run bench -- forecast [--no-r] [--quick] [--only=accuracy,speed,serving,deals]`:
 * accuracy (MASE, sMAPE, coverage of the 80% and 95% intervals, MSIS) and fits per second
 * of the automatic model beside the seasonal naive on the evaluate protocol, on
 * AirPassengers, SFO monthly passengers by airline and by region, Australian departures,
 * US gasoline weekly, and generated daily (weekly season) and weekly (yearly season)
 * series; beside R's forecast::ets() on the same splits when Rscript with the forecast
 * package is on PATH. Then fits per CPU-second on 365-point daily series (one thread and
 * the pool, beside the full search), serving p99 during a demand-forecast run beside idle
 * (forecast-serving.ts), deal label shares on real fares and the labelling rate
 * (forecast-deals.ts); last, each goal of issue 21, met or not, with its figures.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AutoEtsOptions } from '../src/analytics/forecast/auto-ets.js';
import { evaluateForecasts } from '../src/analytics/forecast/evaluate-forecasts.js';
import type { InputSeries } from '../src/analytics/forecast/series-csv.js';
import { airPassengers, departures, gasoline, generated, sfo } from './forecast-datasets.js';
import { dealsPart } from './forecast-deals.js';
import { type AccuracyRow, accuracyGoals, printGoals } from './forecast-goals.js';
import { fitSpeed, servingDuringForecast } from './forecast-serving.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
/** `--only speed,serving` runs just those parts (accuracy, speed, serving, deals). */
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const parts = new Set(onlyArg ? onlyArg.split(',') : ['accuracy', 'speed', 'serving', 'deals']);
const dir = mkdtempSync(join(tmpdir(), 'fs-bench-forecast-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function rAvailable(): boolean {
  if (args.includes('--no-r')) return false;
  const r = spawnSync('Rscript', ['-e', 'suppressMessages(library(forecast))'], {
    stdio: 'ignore',
  });
  return r.status === 0;
}

function writeCsv(file: string, series: readonly InputSeries[]): void {
  const rows = ['series_id,date,value'];
  for (const s of series)
    for (let i = 0; i < s.values.length; i++)
      rows.push(`${s.id},${String(i).padStart(6, '0')},${s.values[i]}`);
  writeFileSync(file, `${rows.join('\n')}\n`);
}

const fmt = (v: number | null | undefined, d = 3) =>
  v === null || v === undefined ? '-' : v.toFixed(d);
function line(
  dataset: string,
  method: string,
  mase: number | null,
  smape: number | null,
  cov: number | null | undefined,
  fps?: number,
  intervals?: { coverage95: number | null; msis: number | null },
) {
  console.log(
    `${dataset.padEnd(26)} ${method.padEnd(22)} MASE ${fmt(mase).padStart(7)}  sMAPE ${fmt(smape, 2).padStart(6)}  cov80 ${fmt(cov, 3).padStart(5)}${intervals ? `  cov95 ${fmt(intervals.coverage95).padStart(5)}  MSIS ${fmt(intervals.msis, 2).padStart(6)}` : ''}  ${fps === undefined ? '' : `${fps.toFixed(1).padStart(7)} fits/s`}`,
  );
}

interface Dataset {
  name: string;
  /** Real series (not generated): the accuracy goals are about these. */
  real: boolean;
  series: InputSeries[];
  m: number;
  h: number;
  k: number;
}

const haveR = rAvailable();
const datasets: Dataset[] = [
  { name: 'AirPassengers (m=12)', real: true, series: airPassengers(), m: 12, h: 12, k: 3 },
  { name: 'SFO airline+region (m=12)', real: true, series: sfo(), m: 12, h: 12, k: 2 },
  { name: 'departures by type (m=12)', real: true, series: departures(), m: 12, h: 12, k: 3 },
  // four consecutive 6-year slices: five years of weekly history at the first origin
  { name: 'gasoline weekly (m=52)', real: true, series: gasoline(4, 312), m: 52, h: 13, k: 4 },
  {
    name: 'daily generated (m=7)',
    real: false,
    series: generated(QUICK ? 10 : 40, 365 + 28, 7, 7),
    m: 7,
    h: 28,
    k: 1,
  },
  {
    name: 'weekly generated (m=52)',
    real: false,
    series: generated(QUICK ? 8 : 30, 5 * 52, 52, 9),
    m: 52,
    h: 13,
    k: 1,
  },
];
const configs: { name: string; ets?: Omit<AutoEtsOptions, 'm'> }[] = [
  { name: 'auto-ETS (default)' },
  {
    name: 'auto-ETS (R stopping)',
    ets: { reltol: 1e-8, abstol: 0, maxEvaluations: 2000, warmStart: false },
  },
];
console.log(
  `forecast accuracy on the evaluate protocol (R ${haveR ? 'found' : 'not found: R rows skipped'}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores: rates are per process, shared with whatever else runs)`,
);
const accuracy: AccuracyRow[] = [];
for (const d of parts.has('accuracy') ? datasets : []) {
  if (d.series.length === 0) {
    console.log(`${d.name}: data not present, skipped`);
    continue;
  }
  const label = `${d.name} ${d.series.length}×K${d.k}`;
  let first = true;
  let row: AccuracyRow | undefined;
  for (const c of configs) {
    const r = await evaluateForecasts(d.series, {
      season: d.m,
      horizon: d.h,
      origins: d.k,
      ...(c.ets ? { ets: c.ets } : {}),
    });
    if (first) {
      line(label, 'seasonal naive', r.overall.snaive.mase, r.overall.snaive.smape, undefined);
      row = {
        name: d.name,
        real: d.real,
        mase: r.overall.auto.mase,
        snaiveMase: r.overall.snaive.mase,
        coverage80: r.overall.auto.coverage80,
        coverage95: r.overall.auto.coverage95,
      };
    }
    first = false;
    line(
      label,
      c.name,
      r.overall.auto.mase,
      r.overall.auto.smape,
      r.overall.auto.coverage80,
      r.overall.fitsPerSecond,
      r.overall.auto,
    );
  }
  if (haveR) {
    const file = join(dir, `${d.name.replace(/\W+/g, '_')}.csv`);
    writeCsv(file, d.series);
    const r = spawnSync(
      'Rscript',
      [
        new URL('forecast-r-protocol.R', import.meta.url).pathname,
        file,
        String(d.m),
        String(d.h),
        String(d.k),
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) console.log(`${label} R failed: ${r.stderr.trim().split('\n').at(-1)}`);
    else {
      const j = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Record<string, number>;
      if (row && j.mase !== undefined) row = { ...row, rMase: j.mase };
      line(
        label,
        'R forecast::ets()',
        j.mase ?? null,
        j.smape ?? null,
        j.coverage80,
        j.fitsPerSecond,
        { coverage95: j.coverage95 ?? null, msis: j.msis ?? null },
      );
      line(label, 'R stlf() (anchor)', j.stlfMase ?? null, null, undefined);
      line(label, 'R thetaf() (anchor)', j.thetafMase ?? null, null, undefined);
    }
  }
  if (row) accuracy.push(row);
}

if (parts.has('accuracy')) accuracyGoals(accuracy);

// Fits per CPU-second (target ≥ 100 on one core), inline and on the pool; then serving p99.
if (parts.has('speed')) await fitSpeed(QUICK ? 20 : 60);
if (parts.has('serving')) await servingDuringForecast(QUICK ? 40 : 100);
if (parts.has('deals')) dealsPart(QUICK);
printGoals();
