// Line charts drawn as SVG by hand: no chart library is installed (docs/console.md).
// lineChart(series, opts) returns a <div class="chart"> holding the SVG and a legend;
// its data-points attribute counts the points drawn (what the browser test checks).
const NS = 'http://www.w3.org/2000/svg';
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
const W = 600;
const H = 180;
const PAD = { l: 48, r: 8, t: 8, b: 22 };

function el(tag, attrs = {}) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function fmt(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || v === 0) return v.toFixed(0);
  return v.toFixed(a >= 1 ? 1 : 2);
}

function timeLabel(t, spanMs) {
  const d = new Date(t);
  const hm = d.toISOString().slice(11, 16);
  return spanMs > 36 * 3600e3 ? `${d.toISOString().slice(5, 10)} ${hm}` : hm;
}

/**
 * series: [{ name, points: [[t, v], ...] }]; opts: { unit, from, to } (times in ms).
 */
export function lineChart(series, opts = {}) {
  const box = document.createElement('div');
  box.className = 'chart';
  const all = series.flatMap((s) => s.points);
  box.dataset.points = String(all.length);
  if (all.length === 0) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = 'no data in this window yet';
    box.append(p);
    return box;
  }
  const from = opts.from ?? Math.min(...all.map((p) => p[0]));
  const to = opts.to ?? Math.max(...all.map((p) => p[0]));
  const span = Math.max(1, to - from);
  const max = Math.max(...all.map((p) => p[1]), 0) || 1;
  const x = (t) => PAD.l + ((t - from) / span) * (W - PAD.l - PAD.r);
  const y = (v) => H - PAD.b - (v / max) * (H - PAD.t - PAD.b);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
  svg.append(el('line', { class: 'axis', x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }));
  svg.append(el('line', { class: 'axis', x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b }));
  for (const f of [0, 0.5, 1]) {
    const t = el('text', { x: PAD.l - 4, y: y(max * f) + 3, 'text-anchor': 'end' });
    t.textContent = fmt(max * f) + (f === 1 && opts.unit ? ` ${opts.unit}` : '');
    svg.append(t);
  }
  for (const f of [0, 0.5, 1]) {
    const t = el('text', {
      x: x(from + span * f),
      y: H - 6,
      'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle',
    });
    t.textContent = timeLabel(from + span * f, span);
    svg.append(t);
  }
  const legend = document.createElement('div');
  legend.className = 'legend';
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const line = el('polyline', {
      points: pts,
      fill: 'none',
      stroke: colour,
      'stroke-width': 1.5,
      'data-series': s.name,
    });
    const title = el('title');
    title.textContent = s.name;
    line.append(title);
    svg.append(line);
    if (s.points.length === 1)
      svg.append(
        el('circle', { cx: x(s.points[0][0]), cy: y(s.points[0][1]), r: 2.5, fill: colour }),
      );
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = colour;
    const last = s.points[s.points.length - 1];
    item.append(swatch, `${s.name} ${last ? fmt(last[1]) : ''}`);
    legend.append(item);
  });
  box.append(svg, legend);
  return box;
}
