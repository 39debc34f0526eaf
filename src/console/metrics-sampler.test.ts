import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { MetricsSampler, quantileOfDelta } from './metrics-sampler.js';

describe('quantileOfDelta', () => {
  it('interpolates inside the bucket of the quantile, over the observations between readings', () => {
    const before = new Map([
      [0.01, 100],
      [0.1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    // 10 new observations: 5 at most 10 ms, 5 between 10 and 100 ms
    const after = new Map([
      [0.01, 105],
      [0.1, 110],
      [Number.POSITIVE_INFINITY, 110],
    ]);
    assert.equal(quantileOfDelta(before, after, 0.5), 0.01);
    assert.ok(Math.abs((quantileOfDelta(before, after, 0.99) as number) - 0.0982) < 1e-9);
    assert.equal(quantileOfDelta(after, after, 0.5), undefined);
  });
  it('answers the last finite bound when the quantile lies in +Inf', () => {
    const after = new Map([
      [1, 0],
      [Number.POSITIVE_INFINITY, 4],
    ]);
    assert.equal(quantileOfDelta(undefined, after, 0.99), 1);
  });
});

describe('MetricsSampler', () => {
  it('turns counters into rates per vendor, ack buckets into percentiles, and keeps lag and files', async () => {
    const registry = new Registry();
    const records = new Counter({
      name: 'faresight_ingest_records_total',
      help: 'x',
      labelNames: ['vendor'],
      registers: [registry],
    });
    const rejections = new Counter({
      name: 'faresight_ingest_rejections_total',
      help: 'x',
      labelNames: ['vendor', 'reason'],
      registers: [registry],
    });
    const ack = new Histogram({
      name: 'faresight_ingest_ack_seconds',
      help: 'x',
      labelNames: ['vendor'],
      buckets: [0.001, 0.01],
      registers: [registry],
    });
    const http = new Counter({
      name: 'faresight_http_requests_total',
      help: 'x',
      labelNames: ['service', 'method', 'route', 'status'],
      registers: [registry],
    });
    let t = 1_000_000;
    let files = 3;
    const sampler = new MetricsSampler({
      registries: [registry],
      gauges: async () => ({
        lag: [
          { group: 'lake', records: 5, oldestAgeMs: 1000 },
          { group: 'lake', records: 7, oldestAgeMs: 3000 },
        ],
        lakeFiles: files,
      }),
      now: () => t,
    });
    assert.equal(await sampler.sample(), undefined, 'the first sample is the baseline');
    records.inc({ vendor: 'sabre' }, 20);
    records.inc({ vendor: 'kiwi' }, 4);
    rejections.inc({ vendor: 'sabre', reason: 'a' }, 1);
    rejections.inc({ vendor: 'sabre', reason: 'b' }, 1);
    for (let i = 0; i < 10; i++) ack.observe({ vendor: 'sabre' }, 0.005);
    http.inc({ service: 'api', method: 'GET', route: '/v1/markets', status: '200' }, 6);
    http.inc({ service: 'api', method: 'GET', route: '/console/', status: '200' }, 100);
    files = 5;
    t += 2000;
    const seen: number[] = [];
    const off = sampler.subscribe((p) => seen.push(p.t));
    const p = await sampler.sample();
    off();
    assert.ok(p);
    assert.deepEqual(seen, [t]);
    assert.equal(p.v['records:sabre'], 10);
    assert.equal(p.v['records:kiwi'], 2);
    assert.equal(p.v['rejections:sabre'], 1);
    assert.equal(p.v.api, 3, 'the Console routes are not API traffic');
    assert.ok((p.v.ingest_p50_ms as number) > 1 && (p.v.ingest_p50_ms as number) <= 10);
    assert.equal(p.v['lag:lake'], 12);
    assert.equal(p.v['lag_s:lake'], 3);
    // 2 files in 2 s, per minute: per hour, a burst of the history read hundreds of thousands
    assert.equal(p.v.lake_files_per_minute, 60);
    assert.deepEqual(
      sampler.window('15m').map((x) => x.t),
      [t],
    );
    assert.equal(sampler.window('6h').length, 1, 'the open minute bucket is in the 6 h window');
  });
});
