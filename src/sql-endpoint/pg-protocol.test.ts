/**
 * The wire layer's pieces on their own: the lexer, parameter binding, session commands,
 * the catalog's rewrite and check, and the extended protocol byte by byte (what a
 * driver sees when a statement in a batch fails).
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import { bindParameters } from './bind-parameters.js';
import { rewriteCatalogSql } from './catalog-rewrite.js';
import { openDuckDBCatalogSession } from './duckdb/duckdb-catalog-session.js';
import { openDuckDBCustomerSession } from './duckdb/duckdb-customer-session.js';
import { startPgWireServer } from './pg-wire-server.js';
import { SessionSettings, sessionCommand } from './session-commands.js';
import { isEmptyStatement } from './sql-tokens.js';

const text = (s: string | null) => ({
  value: s === null ? null : Buffer.from(s),
  format: 0,
  oid: 0,
});

describe('parameter binding', () => {
  it('replaces $n only outside strings, identifiers and comments, quoting values', () => {
    const sql = `SELECT '$1', "$1", $1, E'\\'$2', $$ $2 $$ -- $1\n, $2 /* $1 */`;
    assert.equal(
      bindParameters(sql, [text("it's"), text(null)]),
      `SELECT '$1', "$1", 'it''s', E'\\'$2', $$ $2 $$ -- $1\n, NULL /* $1 */`,
    );
  });

  it('casts typed parameters and decodes binary ones', () => {
    const int4 = Buffer.alloc(4);
    int4.writeInt32BE(-7);
    assert.equal(
      bindParameters('SELECT $1, $2', [
        { value: int4, format: 1, oid: 23 },
        { value: Buffer.from('2025-05-01'), format: 0, oid: 1082 },
      ]),
      "SELECT CAST('-7' AS INTEGER), CAST('2025-05-01' AS DATE)",
    );
  });

  it('names a missing parameter and an unsupported binary type', () => {
    assert.throws(() => bindParameters('SELECT $2', [text('a')]), /no parameter \$2.*bound with 1/);
    assert.throws(
      () => bindParameters('SELECT $1', [{ value: Buffer.alloc(3), format: 1, oid: 1700 }]),
      /parameter \$1: binary format of type oid 1700 is not supported/,
    );
  });

  it('treats comments and semicolons alone as an empty statement', () => {
    assert.equal(isEmptyStatement(' -- x\n /* y */ ;'), true);
    assert.equal(isEmptyStatement("SELECT ';'"), false);
  });
});

describe('session commands', () => {
  it('keeps SET values for SHOW, resets them, and leaves queries alone', () => {
    const s = new SessionSettings({ application_name: 'psql' });
    assert.deepEqual(sessionCommand('SHOW application_name', s)?.rows, [
      { application_name: 'psql' },
    ]);
    assert.equal(sessionCommand("SET application_name TO 'bi'", s)?.tag, 'SET');
    assert.deepEqual(sessionCommand('show APPLICATION_NAME;', s)?.rows, [
      { application_name: 'bi' },
    ]);
    sessionCommand('RESET ALL', s);
    assert.equal(s.get('application_name'), '');
    assert.deepEqual(sessionCommand('SHOW TimeZone', s)?.rows, [{ TimeZone: 'UTC' }]);
    assert.equal(sessionCommand('SELECT 1', s), undefined);
    assert.equal(sessionCommand('settings_view', s), undefined);
    assert.equal(sessionCommand('BEGIN READ ONLY', s)?.transaction, 'begin');
  });

  it('refuses read-only, unknown and result-changing settings', () => {
    const s = new SessionSettings();
    assert.throws(() => sessionCommand('SET server_version = 1', s), /cannot be changed/);
    assert.throws(() => sessionCommand('SET memory_limit = 1', s), /unrecognized.*memory_limit/);
    assert.throws(
      () => sessionCommand('SET DateStyle = German', s),
      /DateStyle "german" is not supported/,
    );
    assert.throws(() => sessionCommand('SET ROLE admin', s), /SET ROLE is not supported/);
  });
});

describe('the catalog', () => {
  it('rewrites PostgreSQL-only syntax outside strings', () => {
    assert.equal(
      rewriteCatalogSql(
        "SELECT pg_catalog.format_type(1, 2) FROM pg_catalog.pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(x)$' COLLATE pg_catalog.default AND 'pg_catalog.y' <> ''",
        () => undefined,
      ),
      "SELECT format_type(1, 2) FROM pg_class c WHERE c.relname  ~ '.*(?:^(x)$).*'  AND 'pg_catalog.y' <> ''",
    );
    assert.equal(
      rewriteCatalogSql("SELECT 'pg_class'::pg_catalog.regclass, information_schema.tables", (n) =>
        n === 'pg_class' ? 1259 : undefined,
      ),
      'SELECT 1259, information_schema_tables',
    );
  });

  it('shows only the relations it was given and reveals no engine state', async () => {
    const c = await openDuckDBCatalogSession({
      database: 'analytics',
      user: 'acme',
      relations: [{ name: 'mine', columns: [{ name: 'price', type: 'DECIMAL(18,2)' }] }],
    });
    try {
      const r = await c.query(
        "SELECT c.relname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS t FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid WHERE c.relname ~ 'min'",
      );
      assert.deepEqual(r.rows, [{ relname: 'mine', t: 'numeric(18,2)' }]);
      // The shape of the queries BI tools (Metabase) sync with: quoted catalog names,
      // regclass, privileges, statistics, information_schema joins.
      const tables =
        await c.query(`SELECT "n"."nspname" AS "schema", "c"."relname" AS "name", "d"."description", "stat"."n_live_tup"
        FROM "pg_catalog"."pg_class" AS "c" INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "c"."relnamespace" = "n"."oid"
        LEFT JOIN "pg_catalog"."pg_description" AS "d" ON "c"."oid" = "d"."objoid" AND "d"."objsubid" = 0 AND "d"."classoid" = 'pg_class'::regclass
        LEFT JOIN "pg_stat_user_tables" AS "stat" ON "n"."nspname" = "stat"."schemaname" AND "c"."relname" = "stat"."relname"
        WHERE "n"."nspname" !~ '^pg_' AND "n"."nspname" <> 'information_schema' AND "c"."relkind" IN ('r', 'p', 'v', 'f', 'm')
          AND has_schema_privilege("n"."nspname", 'USAGE') AND has_table_privilege("c"."oid", 'SELECT')`);
      assert.deepEqual(tables.rows, [
        { schema: 'main', name: 'mine', description: null, n_live_tup: null },
      ]);
      const fields =
        await c.query(`SELECT c.column_name AS name, c.udt_name, c.ordinal_position - 1 AS position, pk.column_name IS NOT NULL AS pk
        FROM information_schema.columns c LEFT JOIN (SELECT tc.table_schema, tc.table_name, kc.column_name FROM information_schema.table_constraints tc
        JOIN information_schema.key_column_usage kc ON tc.constraint_name = kc.constraint_name AND tc.table_schema = kc.table_schema AND tc.table_name = kc.table_name
        WHERE tc.constraint_type = 'PRIMARY KEY') pk ON c.table_schema = pk.table_schema AND c.table_name = pk.table_name AND c.column_name = pk.column_name
        WHERE c.table_schema !~ '^information_schema|catalog_history|pg_'`);
      assert.deepEqual(fields.rows, [
        { name: 'price', udt_name: 'numeric', position: 0, pk: false },
      ]);
      const v = await c.query('SELECT version(), current_database(), current_user');
      assert.match(String(v.rows[0]?.version), /^PostgreSQL 16\.0 /);
      assert.equal(v.rows[0]?.current_database, 'analytics');
      assert.equal(v.rows[0]?.current_user, 'acme');
      for (const [sql, msg] of [
        ["SELECT * FROM read_parquet('/etc/hosts')", /read_parquet/],
        ['SELECT * FROM duckdb_views()', /duckdb_views/],
        ["SELECT current_setting('allowed_directories')", /current_setting/],
        ['SELECT * FROM duckdb_settings', /duckdb_settings.*not granted/],
        ['SELECT * FROM mine', /"mine".*not granted/],
        ["COPY pg_class TO '/tmp/x.csv'", /only read queries/],
        ['SELECT 1; SELECT 2', /exactly one statement/],
      ] as const)
        await assert.rejects(c.query(sql), msg, sql);
    } finally {
      await c.close();
    }
  });
});

/** A frontend message: type, length, body. */
function msg(type: string, ...parts: (string | number | Buffer)[]): Buffer {
  const body = Buffer.concat(
    parts.map((p) => {
      if (typeof p === 'string') return Buffer.from(`${p}\0`);
      if (Buffer.isBuffer(p)) return p;
      const b = Buffer.alloc(2);
      b.writeInt16BE(p);
      return b;
    }),
  );
  const head = Buffer.alloc(5);
  head.write(type, 0, 'ascii');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** A raw client: sends bytes, collects backend message types until `count` ReadyForQuery. */
class RawClient {
  private buf = Buffer.alloc(0);
  private readonly seen: { type: string; body: Buffer }[] = [];
  private waiter: (() => void) | undefined;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 5 && this.buf.length >= 1 + this.buf.readInt32BE(1)) {
        const len = this.buf.readInt32BE(1);
        this.seen.push({
          type: String.fromCharCode(this.buf[0]!),
          body: this.buf.subarray(5, 1 + len),
        });
        this.buf = this.buf.subarray(1 + len);
      }
      this.waiter?.();
    });
  }
  async until(pred: (types: string[]) => boolean): Promise<{ type: string; body: Buffer }[]> {
    while (!pred(this.seen.map((m) => m.type)))
      await new Promise<void>((r) => {
        this.waiter = r;
      });
    return this.seen.splice(0);
  }
}

describe('the extended query protocol, byte by byte', () => {
  let server: Service & { port: number };
  let client: RawClient;
  before(async () => {
    server = await startPgWireServer({
      host: '127.0.0.1',
      port: 0,
      credentials: async () => 'password',
      verify: async (u, p) => u === 'acme' && p === 'key',
      openSession: (customer) =>
        openDuckDBCustomerSession({
          lakeRoot: '/nonexistent-faresight-lake',
          customer,
          grants: [],
          ponds: [],
          statementTimeoutMs: 5000,
          maxRows: 100,
        }),
      openCatalog: openDuckDBCatalogSession,
      logger: silentLogger,
    });
    const socket = net.connect(server.port, '127.0.0.1');
    client = new RawClient(socket);
    const params = Buffer.from('user\0acme\0database\0db\0\0');
    socket.write(Buffer.concat([int32(8 + params.length), int32(196608), params]));
    await client.until((t) => t.includes('R'));
    socket.write(msg('p', 'key'));
    await client.until((t) => t.includes('Z'));
  });
  after(async () => {
    client?.socket.destroy();
    await server?.stop();
  });

  it('skips to Sync after an error, then answers the next batch', async () => {
    client.socket.write(
      Buffer.concat([
        msg('P', '', 'SELECT * FROM nowhere WHERE x = $1', 0),
        msg('B', '', '', 0, 1, int32(1), Buffer.from('a'), 0),
        msg('E', '', int32(0)),
        msg('P', 'second', 'SELECT $1::int * 2 AS n', 0),
        msg('B', '', 'second', 0, 1, int32(2), Buffer.from('21'), 0),
        msg('E', '', int32(0)),
        msg('S'),
      ]),
    );
    const first = await client.until((t) => t.includes('Z'));
    assert.deepEqual(
      first.map((m) => m.type),
      ['1', '2', 'E', 'Z'],
      'Parse and Bind complete, Execute fails, the rest is skipped until Sync',
    );
    assert.match(first[2]!.body.toString(), /nowhere/);
    client.socket.write(
      Buffer.concat([
        msg('P', 'third', 'SELECT $1::int * 2 AS n', 0),
        msg('D', Buffer.from('S'), 'third'),
        msg('B', 'p', 'third', 0, 1, int32(2), Buffer.from('21'), 1, 1),
        msg('E', 'p', int32(0)),
        msg('C', Buffer.from('S'), 'third'),
        msg('S'),
      ]),
    );
    const second = await client.until((t) => t.includes('Z'));
    assert.deepEqual(
      second.map((m) => m.type),
      ['1', 't', 'T', '2', 'D', 'C', '3', 'Z'],
    );
    const row = second[4]!.body;
    assert.equal(row.readInt32BE(2), 4, 'one int4 column in binary: 4 bytes');
    assert.equal(row.readInt32BE(6), 42);
  });

  it('suspends a portal at the row count Execute asks for', async () => {
    client.socket.write(
      Buffer.concat([
        msg('P', '', 'SELECT * FROM (VALUES (1), (2), (3), (4), (5)) t(i)', 0),
        msg('B', 'cur2', '', 0, 0, 0),
        msg('E', 'cur2', int32(2)),
        msg('E', 'cur2', int32(0)),
        msg('S'),
      ]),
    );
    const rows = await client.until((t) => t.includes('Z'));
    assert.deepEqual(
      rows.map((m) => m.type),
      ['1', '2', 'D', 'D', 's', 'D', 'D', 'D', 'C', 'Z'],
    );
    assert.equal(rows[8]!.body.toString('utf8', 0, 8), 'SELECT 5');
  });
});
