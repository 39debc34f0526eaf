/**
 * The forecast job must leave the event loop to requests (issue 15: each run stalled
 * ingest's /healthz past 30 s). These tests run the job's fitting beside a live HTTP
 * server in the same process and check that requests are answered while fits are still
 * outstanding, and that the fits ran on other threads.
 */
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import Fastify, { type FastifyInstance } from 'fastify';
import { type DailyCount, forecastDemand } from '../analytics/forecast/demand-forecast-job.js';
import { ForecastPool } from '../analytics/forecast/forecast-pool.js';

const AS_OF = '2031-01-01';

/** A year of weekly-patterned daily counts for `markets` markets with distinct airports. */
function yearOfCounts(markets: number): DailyCount[] {
  const rows: DailyCount[] = [];
  const start = Date.parse(`${AS_OF}T00:00:00Z`) - 365 * 86_400_000;
  for (let k = 0; k < markets; k++) {
    const key = `A${String(k).padStart(2, '0')}-B${String(k).padStart(2, '0')}`;
    for (let i = 0; i < 365; i++) {
      const date = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
      const noise = ((i * 7919 + k * 104729) % 97) / 97;
      rows.push({ key, date, count: Math.round(80 + 10 * k + 25 * ((i + k) % 7) + 30 * noise) });
    }
  }
  return rows;
}

describe('forecast fitting off the event loop', () => {
  let app: FastifyInstance;
  let url: string;
  before(async () => {
    app = Fastify();
    app.get('/healthz', async () => ({ ok: true }));
    url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/healthz`;
  });
  after(async () => {
    await app.close();
  });

  it('answers requests while the demand job is still fitting, and fits on worker threads', async () => {
    const pool = await ForecastPool.start({ threads: 2 });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    try {
      const fitThreads = new Set<number>();
      let fitsDone = 0;
      let answeredWhileFitting = 0;
      let settled = false;
      const rows = yearOfCounts(20);
      delay.enable();
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Started from a microtask, as the scheduler starts it, once the first request is out.
      const job = Promise.resolve()
        .then(() =>
          forecastDemand(rows, { asOf: AS_OF }, (req) =>
            pool.fit(req).then((r) => {
              fitThreads.add(r.threadId);
              fitsDone++;
              return r;
            }),
          ),
        )
        .finally(() => {
          settled = true;
        });
      // Requests one after another for as long as the job runs; count those answered
      // after the first fit came back and before the job had finished.
      while (!settled) {
        const res = await fetch(url);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        if (!settled && fitsDone > 0) answeredWhileFitting++;
      }
      const out = await job;
      delay.disable();
      assert.equal(out.length, 60, '20 markets and their 40 airports');
      assert.ok(
        answeredWhileFitting > 0,
        `no request was answered between the first fit and the end of the job (${fitsDone} fits on other threads; event loop held up to ${(delay.max / 1e6).toFixed(0)} ms)`,
      );
      assert.ok(!fitThreads.has(threadId), 'a fit ran on the event loop thread');
      assert.ok(fitThreads.size >= 1);
      console.log(
        `# ${answeredWhileFitting} requests answered while fitting; event-loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`,
      );
    } finally {
      await pool.close();
    }
  });
});
