/**
 * docs/grafana/faresight.json is built from the metrics the processes really export: every
 * metric its queries name must be one that `faresight up` serves on the API's or ingest's
 * /metrics (checked against a running platform), so a renamed metric fails here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { sampleRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { startPlatform } from './platform.js';

const dataDir = mkdtempSync(join(tmpdir(), 'fs-grafana-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const dashboardFile = join(import.meta.dirname, '..', '..', 'docs', 'grafana', 'faresight.json');

/** Every series name a Prometheus text exposition can hold (histograms: _bucket, _sum, _count). */
export function exportedSeries(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m;
    names.add(name!);
    if (type === 'histogram' || type === 'summary')
      for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
  }
  return names;
}

/** The metric names a PromQL expression reads (not its functions, keywords or labels). */
export function metricsOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset']);
  return [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !keywords.has(m[1]!))
    .map((m) => m[1]!);
}

type Panel = { title?: string; targets?: { expr?: string }[]; panels?: Panel[] };

describe('the Grafana dashboard', () => {
  it('reads the PromQL it checks: metrics, not functions, labels or ranges', () => {
    assert.deepEqual(
      metricsOf(
        'histogram_quantile(0.99, sum by (le, route) (rate(faresight_http_request_duration_seconds_bucket{job="api"}[5m])))',
      ),
      ['faresight_http_request_duration_seconds_bucket'],
    );
    assert.deepEqual(metricsOf('sum(a_total) / clamp_min(sum(b_total), 1)'), [
      'a_total',
      'b_total',
    ]);
  });

  it('queries only metrics that up exports', { timeout: 180_000 }, async () => {
    const config = configSchema.parse({
      dataDir,
      ingest: { host: '127.0.0.1', port: 0 },
      api: { host: '127.0.0.1', port: 0 },
      sql: { host: '127.0.0.1', port: 0 },
    });
    const platform = await startPlatform(config, silentLogger);
    let series: Set<string>;
    try {
      const res = await fetch(`${platform.ingestUrl}/v1/ingest/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([sampleRecord(1)]),
      });
      assert.equal(res.status, 202);
      const texts = await Promise.all(
        [platform.apiUrl, platform.ingestUrl].map(async (u) =>
          (await fetch(`${u}/metrics`)).text(),
        ),
      );
      series = exportedSeries(texts.join('\n'));
    } finally {
      await platform.stop();
    }
    const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: Panel[] };
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const exprs = panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr ?? '' })),
    );
    assert.ok(exprs.length >= 10, `only ${exprs.length} queries`);
    const unknown: string[] = [];
    for (const { title, expr } of exprs) {
      const names = metricsOf(expr);
      assert.ok(names.length > 0, `panel "${title}": no metric in ${expr}`);
      for (const n of names) if (!series.has(n)) unknown.push(`panel "${title}": ${n}`);
    }
    assert.deepEqual(unknown, [], `exported: ${[...series].sort().join(' ')}`);
  });
});
