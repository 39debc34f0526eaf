/**
 * `npm run bench -- realtime [seconds]`: an in-process platform (embedded stream, ingest,
 * realtime runner with the serving use case, API with the in-process cache, and the same
 * API without cache) under a steady generated load posted to ingest. Prints:
 * - freshness: a probe record posted to ingest until the cached API returns its fare
 *   (so it includes the batch period, the row store write and the cache invalidation),
 *   p50 and p99;
 * - requests/s and p99 of `GET /v1/fares/cheapest` cached and uncached, beside a bare
 *   Fastify route returning a constant (the ceiling), each driven by autocannon from its
 *   own process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { startApi } from '../src/api/start-api.js';
import { openRowStore } from '../src/cli/compose/row-store.js';
import { openIngestStreams, openStream } from '../src/cli/compose/stream.js';
import { configSchema } from '../src/config/config.js';
import { createGenerator } from '../src/generator/generator.js';
import { startIngest } from '../src/ingest/ingest-server.js';
import { searchRecord } from '../src/model/testing/records.js';
import { silentLogger } from '../src/ops/logger.js';
import { startRealtime } from '../src/realtime/realtime-runner.js';
import { createServingUseCase } from '../src/realtime/serving-use-case.js';
import { MemoryCache } from '../src/serving/cache/memory/memory-cache.js';
import { createAdapters } from '../src/vendors/adapters.js';

const SECONDS = Number(process.argv[2] ?? 5);
const CONNECTIONS = 32;
const LOAD_RECORDS_PER_SECOND = 200;
const PROBES = 40;
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'fs-bench-rt-'));

const config = configSchema.parse({
  dataDir: dir,
  logLevel: 'error',
  ingest: { host: '127.0.0.1', port: 0 },
  api: { host: '127.0.0.1', port: 0 },
});
const logger = silentLogger;
const streams = await openIngestStreams(config, logger);
const rowStore = await openRowStore(config, logger);
const cache = new MemoryCache();
const runner = await startRealtime({
  stream: streams.stream,
  useCases: [createServingUseCase({ rowStore, logger, cache })],
  policy: config.realtime.batch,
  logger,
  deadLetters: streams.deadLetters,
  openStream: (name) => openStream(config, logger, name),
});
const cached = await startApi({ config, rowStore, logger, cache });
const uncached = await startApi({ config, rowStore, logger });
const ingest = await startIngest({ config, ...streams, adapters: createAdapters(), logger });
const bare = Fastify({ logger: false });
bare.get('/constant', async () => ({ fares: [] }));
await bare.listen({ host: '127.0.0.1', port: 0 });
const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/constant`;

async function post(records: unknown[]): Promise<void> {
  const r = await fetch(`${ingest.url}/v1/ingest/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(records),
  });
  if (r.status !== 202) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
}

// Steady load: generated records every 100 ms for the whole run.
const gen = createGenerator({ seed: 11 });
let loading = true;
const load = (async () => {
  while (loading) {
    const t = Date.now();
    await post(Array.from({ length: LOAD_RECORDS_PER_SECOND / 10 }, () => gen.next(new Date())));
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - t))));
  }
})();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

console.log(
  `realtime benchmark: steady load ${LOAD_RECORDS_PER_SECOND} records/s, batch period ${config.realtime.batch.periodMs} ms, cache TTL ${config.cache.ttlSeconds} s\n`,
);

// Freshness: one probe at a time, polled through the cached API every 10 ms.
const fresh: number[] = [];
for (let i = 0; i < PROBES; i++) {
  const date = new Date(Date.UTC(2031, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  const probe = searchRecord({
    id: `probe-${i}-${Date.now()}`,
    origin: 'BNC',
    destination: 'BND',
    departureDate: date,
    receivedAt: new Date().toISOString(),
    offers: [{ carrier: 'ZZ', amount: 100 + i }],
  });
  const url = `${cached.url}/v1/fares/cheapest?origin=BNC&destination=BND&departureDate=${date}`;
  const t0 = performance.now();
  await post([probe]);
  for (;;) {
    const body = (await (await fetch(url)).json()) as { fares: unknown[] };
    if (body.fares.length > 0) break;
    if (performance.now() - t0 > 30_000) throw new Error(`probe ${i} never showed up`);
    await new Promise((r) => setTimeout(r, 10));
  }
  fresh.push(performance.now() - t0);
}
console.log(
  `freshness (post to ingest -> visible in the API)  p50 ${pct(fresh, 50).toFixed(0)} ms  p99 ${pct(fresh, 99).toFixed(0)} ms  (${PROBES} probes)`,
);

// A hot trip that exists: the busiest market's cheapest fare date.
const [hot] = await rowStore.client.query<{ origin: string; destination: string; d: string }>(
  `SELECT origin, destination, departure_date::text AS d FROM cheapest_fares
   WHERE return_date = '0001-01-01' GROUP BY 1, 2, 3 ORDER BY count(*) DESC LIMIT 1`,
);
const path = hot
  ? `/v1/fares/cheapest?origin=${hot.origin}&destination=${hot.destination}&departureDate=${hot.d}`
  : '/v1/fares/cheapest?origin=BNC&destination=BND&departureDate=2031-01-01';

async function drive(label: string, url: string) {
  const { stdout } = await run(
    process.execPath,
    ['bench/support/autocannon-run.mjs', url, String(SECONDS), String(CONNECTIONS)],
    { maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
    rps: number;
    p99: number;
    non2xx: number;
    errors: number;
  };
  console.log(
    `${label.padEnd(44)} ${Math.round(r.rps).toLocaleString('en').padStart(8)} req/s  p99 ${String(r.p99).padStart(4)} ms${r.non2xx + r.errors ? `  (${r.non2xx} non-2xx, ${r.errors} errors)` : ''}`,
  );
  return r;
}

console.log(`\nreads: autocannon, ${CONNECTIONS} connections, ${SECONDS} s each, ${path}`);
const b = await drive('bare Fastify route, constant (ceiling)', bareUrl);
const c = await drive('/v1/fares/cheapest, cached (LRU)', `${cached.url}${path}`);
const u = await drive('/v1/fares/cheapest, uncached (PGlite)', `${uncached.url}${path}`);
console.log('\nratios');
console.log(`  cached / bare route: ${((100 * c.rps) / b.rps).toFixed(0)}%`);
console.log(`  cached / uncached:   ${(c.rps / u.rps).toFixed(1)}x`);
console.log(
  `  cache hits ${cached.cached?.counters.hits ?? 0}, misses ${cached.cached?.counters.misses ?? 0} (misses follow invalidations by the steady load)`,
);

loading = false;
await load;
await ingest.stop();
await bare.close();
await uncached.stop();
await cached.stop();
await runner.stop();
await streams.close();
await cache.close();
await rowStore.close();
rmSync(dir, { recursive: true, force: true });
