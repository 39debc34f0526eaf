// Charts of the Console on uPlot (served from node_modules by the Console, see
// console-assets.ts). Each function returns a <div class="chart"> holding the plot; its
// data-points attribute counts the non-empty values given, data-drawn the values uPlot
// holds once it has drawn them (what the browser tests check), data-series the series.
import uPlot from './vendor/uPlot.esm.js';

const COLOURS = [
  '#1f6feb',
  '#d1242f',
  '#2da44e',
  '#bf8700',
  '#8250df',
  '#0a7ea4',
  '#cf222e',
  '#57606a',
];
const WIDTH = 600;
const HEIGHT = 200;
/** Plots made and not yet destroyed: one no longer in the page is destroyed at the next chart. */
const live = new Set();

/** Compact number: 1.2k, 3.4M. */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || v === 0) return v.toFixed(0);
  return v.toFixed(a >= 1 ? 1 : 2);
}

function sweep() {
  for (const u of live) {
    if (u.root.isConnected || !u.root.dataset.attached) continue;
    u.destroy();
    live.delete(u);
  }
}

function emptyBox(box, text) {
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = text ?? 'no data in this window yet';
  box.append(p);
  return box;
}

/**
 * Draws `data` (uPlot's aligned columns: x, then one array per series) into a new
 * <div class="chart">; `series` are uPlot series options past the x one.
 */
function plot(data, series, opts) {
  sweep();
  const box = document.createElement('div');
  box.className = 'chart';
  const values = data.slice(1).reduce((n, ys) => n + ys.filter((v) => v != null).length, 0);
  box.dataset.points = String(values);
  box.dataset.series = series.map((s) => s.label).join(',');
  if (values === 0) return emptyBox(box, opts.empty);
  // one time alone: a day either side (uPlot would otherwise span years around it)
  const x0 = data[0][0];
  const xRange =
    opts.xRange ??
    (data[0].length === 1 && opts.time !== false ? () => [x0 - 86400, x0 + 86400] : undefined);
  const u = new uPlot(
    {
      width: WIDTH,
      height: opts.height ?? HEIGHT,
      scales: {
        x: { time: opts.time !== false, ...(xRange ? { range: xRange } : {}) },
        ...(opts.zero ? { y: { range: (_u, _min, max) => [0, max * 1.1 || 1] } } : {}),
      },
      axes: [
        opts.xAxis ?? {},
        {
          // wide enough for the longest label ("2.0k ms"), at ~7 px a character
          size: (_u, values) => 16 + 7 * Math.max(3, ...(values ?? []).map((v) => v.length)),
          values: (_u, ticks) => ticks.map((t) => fmt(t) + (opts.unit ? ` ${opts.unit}` : '')),
        },
      ],
      series: [
        { label: opts.xLabel ?? 'time', ...(opts.xValue ? { value: opts.xValue } : {}) },
        ...series,
      ],
      ...(opts.bands ? { bands: opts.bands } : {}),
      legend: { show: opts.legend !== false },
      hooks: {
        // the legend shows the latest values until the cursor points at others
        ready: [(u) => u.setLegend({ idx: u.data[0].length - 1 })],
        draw: [
          (u) => {
            box.dataset.drawn = String(
              u.data.slice(1).reduce((n, ys) => n + ys.filter((v) => v != null).length, 0),
            );
          },
        ],
      },
    },
    data,
    box,
  );
  u.root.dataset.attached = '';
  live.add(u);
  // fit the width of the page once the chart is in it, and follow it
  new ResizeObserver(() => {
    const w = box.clientWidth;
    if (w > 0 && Math.abs(w - u.width) > 4) u.setSize({ width: w, height: u.height });
  }).observe(box);
  return box;
}

/** The sorted union of the series' x values, each series aligned on it (null where absent). */
function align(series) {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  return [
    xs,
    ...series.map((s) => {
      const ys = new Array(xs.length).fill(null);
      for (const [x, y] of s.points) ys[at.get(x)] = y;
      return ys;
    }),
  ];
}

const secs = (d) => d.map((ms) => ms / 1000);

/**
 * Time series. series: [{ name, points: [[t, v], ...] }]; opts: { unit, from, to }
 * (times in ms; from/to fix the x range, else the data's).
 */
export function lineChart(series, opts = {}) {
  const [xs, ...ys] = align(series);
  const range =
    opts.from !== undefined && opts.to !== undefined
      ? () => [opts.from / 1000, opts.to / 1000]
      : undefined;
  return plot(
    [secs(xs), ...ys],
    series.map((s, i) => ({
      label: s.name,
      stroke: COLOURS[i % COLOURS.length],
      width: 1.5,
      spanGaps: true,
      points: { show: s.points.length < 3 },
    })),
    { unit: opts.unit, empty: opts.empty, ...(range ? { xRange: range } : {}) },
  );
}

/**
 * Bars of one value per x. bars: [{ x, y }] with x a time in ms, or, with
 * opts.labels, the index of its label (the x axis then shows the labels); opts:
 * { name, unit, colour, labels }.
 */
export function barChart(bars, opts = {}) {
  const sorted = [...bars].sort((a, b) => a.x - b.x);
  const labels = opts.labels;
  const colour = opts.colour ?? COLOURS[0];
  return plot(
    [sorted.map((b) => (labels ? b.x : b.x / 1000)), sorted.map((b) => b.y)],
    [
      {
        label: opts.name ?? 'value',
        stroke: colour,
        fill: `${colour}99`,
        paths: uPlot.paths.bars({ size: [0.7, 40] }),
        points: { show: false },
      },
    ],
    {
      unit: opts.unit,
      zero: true,
      ...(labels
        ? {
            time: false,
            xLabel: '',
            xRange: () => [-0.5, labels.length - 0.5],
            xAxis: {
              splits: () => labels.map((_l, i) => i),
              values: (_u, ticks) => ticks.map((i) => labels[i] ?? ''),
            },
            xValue: (_u, i) => labels[i] ?? '',
          }
        : {}),
    },
  );
}

/**
 * A history line and its forecast with 80 % and 95 % bands. history: [[t, v]];
 * forecast: [{ t, mean, lower80, upper80, lower95, upper95 }] (t in ms).
 */
export function bandChart(history, forecast, opts = {}) {
  const xs = [...history.map((p) => p[0]), ...forecast.map((f) => f.t)];
  const n = history.length;
  const col = (f) => [...history.map(() => null), ...forecast.map(f)];
  const band = (stroke) => ({ stroke, width: 1, points: { show: false } });
  return plot(
    [
      secs(xs),
      [...history.map((p) => p[1]), ...forecast.map(() => null)],
      col((f) => f.mean),
      col((f) => f.upper95),
      col((f) => f.lower95),
      col((f) => f.upper80),
      col((f) => f.lower80),
    ],
    [
      { label: opts.name ?? 'history', stroke: COLOURS[0], width: 1.5, points: { show: n < 3 } },
      { label: 'forecast', stroke: COLOURS[3], width: 1.5, dash: [6, 4], points: { show: false } },
      { label: '95 % high', ...band('#bf870055') },
      { label: '95 % low', ...band('#bf870055') },
      { label: '80 % high', ...band('#bf870099') },
      { label: '80 % low', ...band('#bf870099') },
    ],
    {
      unit: opts.unit,
      bands: [
        { series: [3, 4], fill: '#bf870022' },
        { series: [5, 6], fill: '#bf870044' },
      ],
    },
  );
}
