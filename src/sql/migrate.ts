import { MigrationError } from './errors.js';
import type { Migration } from './migration.js';
import type { SqlClient } from './sql-client.js';

/** Arbitrary constant naming the migration lock (pg_advisory_xact_lock key). */
const MIGRATION_LOCK = 7_231_104_571;

/**
 * Applies the migrations not yet in `schema_migrations`, in version order, each in its
 * own transaction together with its bookkeeping row. Concurrent callers (several
 * processes on one PostgreSQL) serialise on an advisory lock, so each migration runs
 * once. Returns the versions applied. Throws MigrationError naming the failed migration.
 */
export async function migrate(
  client: SqlClient,
  migrations: readonly Migration[],
): Promise<number[]> {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const applied: number[] = [];
  for (const m of sorted) {
    const ran = await client
      .transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer     PRIMARY KEY,
  name        text        NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
)`);
        const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
          m.version,
        ]);
        if (done.length > 0) return false;
        await tx.exec(m.sql);
        await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
        return true;
      })
      .catch((err: unknown) => {
        throw new MigrationError(m.version, m.name, { cause: err });
      });
    if (ran) applied.push(m.version);
  }
  return applied;
}
