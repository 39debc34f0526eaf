/**
 * The row store part of `npm run bench -- forecast --only=serving`: what one statement,
 * one demand read and one series' write cost with PGlite on the event loop
 * (PGliteInlineClient, before) and on its own thread (PGliteClient, the product), in wall
 * time and in CPU of the event loop's thread. The difference in wall time of `SELECT 1`
 * is the round trip to the thread; the event-loop CPU is what a request waits behind.
 */
import type { DemandForecastWrite } from '../src/analytics/forecast/demand-store.js';
import { DemandStore } from '../src/analytics/forecast/demand-store.js';
import { PGliteClient } from '../src/sql/pglite/pglite-client.js';
import { PGliteInlineClient } from '../src/sql/pglite/pglite-inline-client.js';
import type { SqlClient } from '../src/sql/sql-client.js';
import { threadCpuMs } from './thread-cpu.js';

/** `n` series as the demand job writes them: 365 days of history, 28 forecast days. */
export function demandWrites(n: number): DemandForecastWrite[] {
  const day = (i: number) =>
    new Date(Date.UTC(2030, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  return Array.from({ length: n }, (_, k) => ({
    scope: 'market' as const,
    key: `R${String(k).padStart(3, '0')}-S${String(k).padStart(3, '0')}`,
    model: 'ETS(A,N,A)',
    history: Array.from({ length: 365 }, (_, i) => ({
      date: day(i),
      count: 100 + ((i * 31 + k) % 50),
    })),
    forecast: Array.from({ length: 28 }, (_, i) => ({
      date: day(365 + i),
      mean: 120 + i,
      lower80: 100 + i,
      upper80: 140 + i,
      lower95: 90 + i,
      upper95: 150 + i,
    })),
  }));
}

type Cost = { wallUs: number; loopCpuUs: number | undefined };

async function cost(reps: number, op: (i: number) => Promise<unknown>): Promise<Cost> {
  for (let i = 0; i < Math.min(reps, 20); i++) await op(i);
  const c0 = threadCpuMs();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await op(i);
  const wallUs = ((performance.now() - t0) * 1000) / reps;
  const c1 = threadCpuMs();
  return {
    wallUs,
    loopCpuUs: c0 === undefined || c1 === undefined ? undefined : ((c1 - c0) * 1000) / reps,
  };
}

/** Prints per-operation costs of the two PGlite clients, one after the other, in this run. */
export async function rowStoreCost(): Promise<void> {
  const clients: [string, () => Promise<SqlClient>][] = [
    ['PGlite on the event loop (before)', () => PGliteInlineClient.open()],
    ['PGlite on its thread (PGliteClient)', () => PGliteClient.open()],
  ];
  const series = demandWrites(60);
  const fmt = (c: Cost) =>
    `${c.wallUs.toFixed(0).padStart(6)} µs wall, ${c.loopCpuUs === undefined ? '  n/a' : c.loopCpuUs.toFixed(0).padStart(5)} µs on the event loop`;
  for (const [name, open] of clients) {
    const client = await open();
    try {
      const store = new DemandStore(client);
      await store.migrate();
      await store.write(series, new Date());
      const one = await cost(2000, () => client.query('SELECT 1'));
      const view = await cost(300, (i) => store.view('market', series[i % series.length]!.key));
      const write = await cost(series.length, (i) => store.write([series[i]!], new Date()));
      console.log(
        `row store ${name.padEnd(36)} SELECT 1 ${fmt(one)} | demand read (365 + 28 rows) ${fmt(view)} | write of one series (a transaction, 4 statements) ${fmt(write)}`,
      );
    } finally {
      await client.close();
    }
  }
}
