import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * Parses SQL with DuckDB's own parser (`json_serialize_sql`), without running it, so the
 * planner of a remote query sees exactly the AST the engine will. One in-memory DuckDB,
 * opened once; `close` releases it.
 */
export class DuckDBSqlParser {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(): Promise<DuckDBSqlParser> {
    const instance = await DuckDBInstance.create(':memory:');
    return new DuckDBSqlParser(instance, await instance.connect());
  }

  /**
   * The statement list as DuckDB serializes it: `{ error: false, statements: [...] }`, or
   * `{ error: true, ... }` for SQL it cannot serialize (anything but SELECT, syntax errors).
   */
  parse(sql: string): Promise<unknown> {
    return serializeSql(this.conn, sql);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/**
 * `sql`'s statement list as `json_serialize_sql` gives it on `conn`, or `{ error: true }`
 * for SQL it cannot serialize (see DuckDBSqlParser.parse).
 */
export async function serializeSql(conn: DuckDBConnection, sql: string): Promise<unknown> {
  try {
    const reader = await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
    return JSON.parse(String(reader.getRows()[0]?.[0] ?? '{"error":true}'));
  } catch {
    return { error: true };
  }
}
