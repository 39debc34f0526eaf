/**
 * `npm run bench -- sql [seconds] [host|inprocess|both]`: what customer SQL costs everyone else. A server
 * process (support/sql-server.ts: ingest, API and SQL endpoint together, as `faresight up`)
 * takes gzip ingest POSTs and API GETs at an even rate (latency from each request's
 * scheduled time), first with no SQL load, then while 4 customers each run a heavy
 * statement after another over the wire; its peak RSS (with its children) during and
 * after. Run once with customer SQL in the session host (the product) and once in the
 * serving process (as before), beside each other. Then statements/s of a small pond query
 * over the wire (one connection, one after another) beside DuckDB running it directly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import NODE_FLAGS from '../bin/node-flags.json' with { type: 'json' };
import { createGenerator } from '../src/generator/generator.js';
import { pacedLoad } from './support/paced-client.js';
import { p99, treeRss } from './support/process-rss.js';

const SECONDS = Number(process.argv[2] ?? 6);
/** Which servers to measure: `host`, `inprocess` or both (the default). */
const MODES = (['host', 'inprocess'] as const).filter(
  (m) => (process.argv[3] ?? 'both') === 'both' || process.argv[3] === m,
);
const INGEST_RATE = 50;
const API_RATE = 20;
const HEAVY_N = 1_000_000;
/** A hash aggregate over a million distinct strings: seconds of DuckDB work, one row out (HEAVY_N). */
const HEAVY = `SELECT count(DISTINCT s) AS n FROM (SELECT repeat('x', 100) || i::varchar AS s FROM (SELECT unnest(generate_series(1, ${HEAVY_N})) AS i))`;
const SMALL =
  'SELECT market, sum(searches) AS s FROM market_demand_daily GROUP BY market ORDER BY s DESC LIMIT 5';

interface Ready {
  ingest: string;
  api: string;
  sqlPort: number;
  keys: Record<string, string>;
  lakeRoot: string;
}

function startServer(mode: 'host' | 'inprocess'): Promise<{ p: ChildProcess; ready: Ready }> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [...NODE_FLAGS, '--import', 'tsx', 'bench/support/sql-server.ts', mode],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    createInterface({ input: p.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve({ p, ready: JSON.parse(line.slice(6)) as Ready });
    });
    p.on('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
  });
}

/** GETs at an even rate, each latency from its scheduled time. */
async function pacedGet(
  url: string,
  rate: number,
  seconds: number,
): Promise<{ p99: number; errors: number }> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const lat: number[] = [];
  let errors = 0;
  await Promise.all(
    Array.from({ length: total }, async (_, i) => {
      const due = start + (i * 1000) / rate;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      try {
        const r = await fetch(url);
        await r.arrayBuffer();
        if (!r.ok) errors++;
      } catch {
        errors++;
      }
      lat.push(performance.now() - due);
    }),
  );
  return { p99: p99(lat), errors };
}

function ingestBody(): Buffer {
  const r = createGenerator({ seed: 11 }).next() as unknown as Record<string, unknown>;
  delete r.id;
  delete r.receivedAt;
  return gzipSync(JSON.stringify(r));
}

/**
 * 4 customers, each running HEAVY one after another until `stop()`. `connected` resolves
 * once every customer's session is open and has answered (its slices built, its child
 * started): a one-off cost of a customer's first session after a grant change, not of
 * the statements measured here.
 */
function sqlLoad(ready: Ready): {
  connected: Promise<unknown>;
  stop(): Promise<{ ok: number; failed: number; errors: Map<string, number> }>;
} {
  const opened: Promise<void>[] = [];
  let running = true;
  /** Failures by SQLSTATE and the first line of their message (digits folded). */
  const errors = new Map<string, number>();
  let ok = 0;
  let failed = 0;
  const loops = ['c1', 'c2', 'c3', 'c4'].map(async (user) => {
    let open: (() => void) | undefined;
    opened.push(
      new Promise<void>((r) => {
        open = r;
      }),
    );
    const c = new pg.Client({
      host: '127.0.0.1',
      port: ready.sqlPort,
      user,
      password: ready.keys[user],
      database: 'faresight',
    });
    c.on('error', () => undefined);
    await c.connect();
    await c.query('SELECT 1 AS warm');
    open?.();
    while (running) {
      try {
        const r = await c.query(HEAVY);
        // A statement cut short must be an error: a "success" with a wrong count is a bug.
        if (Number(r.rows[0]?.n) !== HEAVY_N)
          throw new Error(`WRONG RESULT reported as success: n = ${r.rows[0]?.n}`);
        ok++;
      } catch (err) {
        failed++;
        const msg = ((err as Error).message ?? String(err)).split('\n')[0]!.replace(/\d+/g, 'N');
        const key = `${(err as { code?: string }).code ?? 'no SQLSTATE'} ${msg}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
    await c.end();
  });
  return {
    connected: Promise.all(opened),
    async stop() {
      running = false;
      await Promise.all(loops);
      return { ok, failed, errors };
    },
  };
}

async function phase(ready: Ready, pid: number, withSql: boolean, seconds = SECONDS) {
  const load = withSql ? sqlLoad(ready) : undefined;
  await load?.connected;
  if (load) await new Promise((r) => setTimeout(r, 1000)); // statements under way
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeRss(pid));
  }, 100);
  const body = ingestBody();
  let n = 0;
  const [ing, api] = await Promise.all([
    pacedLoad({
      url: `${ready.ingest}/v1/ingest/generic`,
      body,
      rate: INGEST_RATE,
      seconds,
      connections: 16,
      header: () =>
        `content-encoding: gzip\r\nx-transaction-id: sqlbench-${process.pid}-${withSql}-${seconds}-${n++}\r\n`,
    }),
    pacedGet(`${ready.api}/healthz`, API_RATE, seconds),
  ]);
  const sql = await load?.stop();
  clearInterval(sampler);
  peak = Math.max(peak, treeRss(pid));
  return {
    ingestP99: ing.p99,
    ingestErrors: ing.non2xx,
    apiP99: api.p99,
    apiErrors: api.errors,
    peak,
    sql,
  };
}

async function statementsPerSecond(ready: Ready): Promise<{ wire: number; direct: number }> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: ready.sqlPort,
    user: 'small',
    password: ready.keys.small,
    database: 'faresight',
  });
  await c.connect();
  await c.query(SMALL);
  let n = 0;
  let t0 = performance.now();
  while (performance.now() - t0 < 3000) {
    await c.query(SMALL);
    n++;
  }
  const wire = n / ((performance.now() - t0) / 1000);
  await c.end();
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  await conn.run(
    `CREATE VIEW market_demand_daily AS SELECT * FROM read_parquet('${ready.lakeRoot}/ponds/market_demand_daily/*/*.parquet', hive_partitioning = true)`,
  );
  await conn.runAndReadAll(SMALL);
  n = 0;
  t0 = performance.now();
  while (performance.now() - t0 < 3000) {
    await conn.runAndReadAll(SMALL);
    n++;
  }
  const direct = n / ((performance.now() - t0) / 1000);
  conn.closeSync();
  db.closeSync();
  return { wire, direct };
}

const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
const ms = (v: number) => `${v.toFixed(1)} ms`;

console.log(
  `sql benchmark: ${SECONDS} s per phase; gzip ingest POSTs at ${INGEST_RATE}/s, API GET /healthz at ${API_RATE}/s; ` +
    `SQL load = 4 customers each running a heavy aggregate (count distinct of 1M strings) back to back`,
);
let sps: { wire: number; direct: number } | undefined;
for (const mode of MODES) {
  const { p, ready } = await startServer(mode);
  try {
    await phase(ready, p.pid!, false, 2); // warm-up: JIT, first stream files, connections
    const base = await phase(ready, p.pid!, false);
    const loaded = await phase(ready, p.pid!, true);
    await new Promise((r) => setTimeout(r, 2000));
    const afterRss = treeRss(p.pid!);
    const label =
      mode === 'host' ? 'session host (child processes)' : 'in the serving process (before)';
    console.log(`\ncustomer SQL ${label}:`);
    console.log(
      `  ingest p99  no SQL ${ms(base.ingestP99)}   with SQL ${ms(loaded.ingestP99)}   ratio ${(loaded.ingestP99 / base.ingestP99).toFixed(2)}x   (errors ${base.ingestErrors}/${loaded.ingestErrors})`,
    );
    console.log(
      `  API p99     no SQL ${ms(base.apiP99)}   with SQL ${ms(loaded.apiP99)}   ratio ${(loaded.apiP99 / base.apiP99).toFixed(2)}x   (errors ${base.apiErrors}/${loaded.apiErrors})`,
    );
    console.log(
      `  peak RSS    no SQL ${mb(base.peak)}   with SQL ${mb(loaded.peak)}   2 s after the SQL load ${mb(afterRss)}  (server + its children)`,
    );
    console.log(`  heavy statements done ${loaded.sql?.ok}, failed ${loaded.sql?.failed}`);
    for (const [error, count] of loaded.sql?.errors ?? []) console.log(`    ${count} x ${error}`);
    if (mode === 'host') sps = await statementsPerSecond(ready);
  } finally {
    p.removeAllListeners('exit');
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
  }
}
if (sps)
  console.log(
    `\nsmall pond query, one after another: over pg-wire ${sps.wire.toFixed(0)} statements/s, DuckDB directly ${sps.direct.toFixed(0)} statements/s (${(sps.wire / sps.direct).toFixed(2)}x)`,
  );
