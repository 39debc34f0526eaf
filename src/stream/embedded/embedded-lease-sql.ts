/**
 * The leases of an embedded stream live in its own SQLite database, beside the
 * checkpoints, so several processes on one machine share a group's shards and the
 * embedded commit checks the fencing token in the same transaction that moves the
 * checkpoint (EmbeddedStream.commitCheckpoints).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type LeaseSql, SqlLeaseStore } from '../lease/sql-lease-store.js';

/** `$1..$n` statements on a better-sqlite3 connection (SQLite reads `$1` as a named parameter). */
function sqliteLeaseSql(db: Database.Database): LeaseSql {
  const cache = new Map<string, Database.Statement>();
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        cache.set(sql, stmt);
      }
      const named: Record<string, unknown> = {};
      params.forEach((p, i) => {
        named[String(i + 1)] = p;
      });
      const args = params.length > 0 ? [named] : [];
      if (stmt.reader) return stmt.all(...args) as T[];
      stmt.run(...args);
      return [];
    },
  };
}

/** Opens the lease store of the embedded stream `<dir>/<name>.db` (its own connection). */
export function openEmbeddedLeaseStore(dir: string, name: string): SqlLeaseStore {
  const db = new Database(join(dir, `${name}.db`));
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return new SqlLeaseStore(sqliteLeaseSql(db), async () => {
    db.close();
  });
}
