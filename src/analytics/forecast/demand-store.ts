import { setImmediate as turn } from 'node:timers/promises';
import { migrate } from '../../sql/migrate.js';
import type { SqlClient } from '../../sql/sql-client.js';
import { ANALYTICS_MIGRATIONS } from '../analytics-migrations.js';

/** Whose demand: a market (`JFK-LAX`) or an airport (searches from or to it). */
export type DemandScope = 'market' | 'airport';

/** One forecast day. */
export interface DemandForecastDay {
  date: string;
  mean: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

/** What the demand endpoints return. */
export interface DemandView {
  scope: DemandScope;
  key: string;
  model: string;
  generatedAt: string;
  history: { date: string; count: number }[];
  forecast: DemandForecastDay[];
}

/** A series' forecast as the job writes it. */
export interface DemandForecastWrite {
  scope: DemandScope;
  key: string;
  model: string;
  history: { date: string; count: number }[];
  forecast: DemandForecastDay[];
}

/**
 * A write vacuums the forecast tables this many times along the way (and once at the end),
 * so a run's rows take the room its earlier series left: a run grows the tables by about
 * 1/VACUUM_PARTS of their size at most, not to twice it every other run.
 */
export const VACUUM_PARTS = 8;

/** Demand history and forecasts in the row store (ANALYTICS_MIGRATIONS). */
export class DemandStore {
  constructor(readonly client: SqlClient) {}

  /** Applies the analytics migrations (idempotent). */
  migrate(): Promise<number[]> {
    return migrate(this.client, ANALYTICS_MIGRATIONS);
  }

  /**
   * Replaces the history and forecast of each series (one short transaction per series,
   * a SqlClient.batch: sent to the embedded row store as one message, so it holds the
   * connection only while the statements run),
   * so a re-run of the job for the same day gives the same rows. Not one transaction for
   * the whole call: an embedded row store (PGlite) has one connection, and every API read
   * would wait behind a transaction holding it for the whole job. Vacuums both tables
   * after each VACUUM_PARTS-th of the series and at the end: each run deletes every row it
   * rewrites, and PGlite runs no autovacuum, so without a vacuum the tables grew by their
   * whole size every hour; with one only at the end, every other run still doubled them
   * (its rows went after the dead ones, which the vacuum then freed), and a vacuum along
   * the way lets the rest of the run reuse the space of the series before.
   */
  async write(series: readonly DemandForecastWrite[], generatedAt: Date): Promise<void> {
    const vacuumEvery = Math.max(1, Math.ceil(series.length / VACUUM_PARTS));
    // A turn between series lets the requests that arrived meanwhile send their reads
    // before the next series' transaction takes PGlite's one connection. (With PGlite on
    // the event loop, PGliteInlineClient, a turn only once 10 ms had passed doubled the
    // serving p99 of a run; the row store's thread, PGliteClient, keeps it off the loop.)
    for (const [i, s] of series.entries()) {
      await turn();
      if (i > 0 && i % vacuumEvery === 0)
        await this.client.exec('VACUUM demand_history, demand_forecasts');
      const f = s.forecast;
      await this.client.batch([
        {
          sql: 'DELETE FROM demand_history WHERE scope = $1 AND key = $2',
          params: [s.scope, s.key],
        },
        {
          sql: 'DELETE FROM demand_forecasts WHERE scope = $1 AND key = $2',
          params: [s.scope, s.key],
        },
        ...(s.history.length > 0
          ? [
              {
                sql: `INSERT INTO demand_history (scope, key, day, count)
SELECT $1, $2, * FROM unnest($3::date[], $4::bigint[])`,
                params: [
                  s.scope,
                  s.key,
                  s.history.map((h) => h.date),
                  s.history.map((h) => h.count),
                ],
              },
            ]
          : []),
        {
          sql: `INSERT INTO demand_forecasts (scope, key, day, mean, lower80, upper80, lower95, upper95, model, generated_at)
SELECT $1, $2, d, m, l8, u8, l9, u9, $9, $10
FROM unnest($3::date[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[]) AS t(d, m, l8, u8, l9, u9)`,
          params: [
            s.scope,
            s.key,
            f.map((x) => x.date),
            f.map((x) => x.mean),
            f.map((x) => x.lower80),
            f.map((x) => x.upper80),
            f.map((x) => x.lower95),
            f.map((x) => x.upper95),
            s.model,
            generatedAt,
          ],
        },
      ]);
    }
    if (series.length > 0) await this.client.exec('VACUUM demand_history, demand_forecasts');
  }

  /** History and forecast of one series; undefined when the job has not forecast it. */
  async view(scope: DemandScope, key: string): Promise<DemandView | undefined> {
    const fc = await this.client.query<Record<string, unknown>>(
      `SELECT day::text AS day, mean, lower80, upper80, lower95, upper95, model, generated_at
FROM demand_forecasts WHERE scope = $1 AND key = $2 ORDER BY day`,
      [scope, key],
    );
    if (fc.length === 0) return undefined;
    const hist = await this.client.query<{ day: string; count: number | string }>(
      'SELECT day::text AS day, count FROM demand_history WHERE scope = $1 AND key = $2 ORDER BY day',
      [scope, key],
    );
    const first = fc[0] as Record<string, unknown>;
    return {
      scope,
      key,
      model: first.model as string,
      generatedAt: new Date(first.generated_at as string | Date).toISOString(),
      history: hist.map((h) => ({ date: h.day, count: Number(h.count) })),
      forecast: fc.map((r) => ({
        date: r.day as string,
        mean: Number(r.mean),
        lower80: Number(r.lower80),
        upper80: Number(r.upper80),
        lower95: Number(r.lower95),
        upper95: Number(r.upper95),
      })),
    };
  }
}
