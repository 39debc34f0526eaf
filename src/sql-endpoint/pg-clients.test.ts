/**
 * Real clients against the Postgres wire endpoint: psql (meta-commands, session
 * commands, TLS), node-postgres with parameters, and pgjdbc (DatabaseMetaData and a
 * PreparedStatement). psql and Java are external programs: each suite skips with a
 * printed reason when its program is missing, and fails instead when CI=true.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Service } from '../ops/service.js';
import { openSqlFixture, type SqlFixture } from './testing/sql-fixture.js';
import { startWireEndpoint } from './testing/wire-fixture.js';

const CI = process.env.CI === 'true';
const JDBC_JAR = '/usr/share/java/postgresql.jar';

function need(what: string, present: boolean, install: string): string | false {
  if (present) return false;
  const reason = `${what} is not installed (${install})`;
  if (CI) throw new Error(`CI=true and ${reason}`);
  console.log(`# skipping the ${what} tests: ${reason}`);
  return reason;
}

const noPsql = need(
  'psql',
  spawnSync('psql', ['--version']).status === 0,
  'apt install postgresql-client',
);
const noJava = need(
  'Java with the PostgreSQL JDBC driver',
  spawnSync('java', ['-version']).status === 0 && fs.existsSync(JDBC_JAR),
  'apt install default-jdk-headless libpostgresql-jdbc-java',
);

let fx: SqlFixture;
let server: Service & { port: number };
let tlsServer: Service & { port: number };
let tmp: string;

interface Run {
  status: number;
  out: string;
  err: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({
          status: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0,
          out: stdout.trim(),
          err: stderr.trim(),
        }),
    );
  });
}

/** psql with a connection string; `-A -t` output unless `table`. */
function psql(
  user: 'acme' | 'globex',
  sql: string,
  opts: { conn?: string; table?: boolean; port?: number; key?: string } = {},
): Promise<Run> {
  const conn = `host=127.0.0.1 port=${opts.port ?? server.port} user=${user} dbname=analytics ${opts.conn ?? 'sslmode=disable'}`;
  return run(
    'psql',
    [conn, '-X', ...(opts.table ? [] : ['-A', '-t']), '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { PGPASSWORD: opts.key ?? fx.keys[user], PGCONNECT_TIMEOUT: '10' },
  );
}

/** The first authentication request the server sends for `user` (3 = clear text, 10 = SASL). */
function authRequest(user: string): Promise<{ code: number; mechanisms: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const params = Buffer.from(`user\0${user}\0database\0analytics\0\0`, 'utf8');
    const startup = Buffer.alloc(8 + params.length);
    startup.writeInt32BE(startup.length, 0);
    startup.writeInt32BE(196608, 4);
    params.copy(startup, 8);
    socket.on('error', reject);
    socket.once('data', (d) => {
      socket.destroy();
      if (d[0] !== 0x52)
        return reject(new Error(`expected an authentication request, got ${d[0]}`));
      resolve({
        code: d.readInt32BE(5),
        mechanisms: d.toString('utf8', 9).replaceAll('\0', ' ').trim(),
      });
    });
    socket.write(startup);
  });
}

before(async () => {
  fx = await openSqlFixture();
  server = await startWireEndpoint(fx);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-pg-clients-'));
});
after(async () => {
  await server?.stop();
  await tlsServer?.stop();
  await fx?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('psql against the endpoint', { skip: noPsql }, () => {
  it('lists only the customer relations with \\d, \\dt, \\dn and \\l', async () => {
    const acme = await psql('acme', '\\dt');
    assert.equal(acme.status, 0, acme.err);
    assert.deepEqual(acme.out.split('\n'), ['main|market_demand_daily|table|acme']);
    const d = await psql('acme', '\\d');
    assert.equal(d.out, 'main|market_demand_daily|table|acme');
    const globex = await psql('globex', '\\dt');
    assert.deepEqual(
      globex.out.split('\n').map((l) => l.split('|')[1]),
      ['fare_trends', 'market_demand_daily', 'secret_table'],
    );
    const dn = await psql('acme', '\\dn');
    assert.equal(dn.out, 'main|acme');
    const l = await psql('acme', '\\l');
    assert.equal(l.status, 0, l.err);
    assert.deepEqual(
      l.out.split('\n').map((r) => r.split('|')[0]),
      ['analytics'],
    );
  });

  it('describes a relation with \\d TABLE and refuses one not granted', async () => {
    const r = await psql('acme', '\\d market_demand_daily', { table: true });
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /Table "main\.market_demand_daily"/);
    for (const column of fx.ponds.find((p) => p.name === 'market_demand_daily')!.columns!)
      assert.match(r.out, new RegExp(`^ ${column.name}\\s+\\|`, 'm'), column.name);
    const other = await psql('acme', '\\d secret_table');
    assert.notEqual(other.status, 0);
    assert.match(other.err, /Did not find any relation named "secret_table"/);
  });

  it('answers SHOW, harmless SETs, transactions, version() and current_database()', async () => {
    const script = [
      'SHOW server_version',
      'SET client_encoding = UTF8',
      "SET DateStyle = 'ISO, MDY'",
      'SET extra_float_digits = 3',
      "SET application_name = 'metabase'",
      'SET search_path = main',
      "SET TimeZone = 'UTC'",
      'SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED',
      'SHOW application_name',
      'BEGIN',
      'SELECT count(*) > 0 FROM market_demand_daily',
      'COMMIT',
      'ROLLBACK',
      'SELECT version()',
      'SELECT current_database(), current_schema()',
    ].join(';\n');
    // One psql session reading the statements from stdin, in order.
    const r = await run(
      'sh',
      [
        '-c',
        `printf '%s;\\n' "$SCRIPT" | psql "host=127.0.0.1 port=${server.port} user=acme dbname=analytics sslmode=disable" -X -q -A -t -v ON_ERROR_STOP=1`,
      ],
      { SCRIPT: script, PGPASSWORD: fx.keys.acme },
    );
    assert.equal(r.status, 0, r.err);
    const lines = r.out.split('\n').filter((l) => l !== '');
    assert.deepEqual(lines.slice(0, 3), ['16.0', 'metabase', 't']);
    assert.match(lines[3]!, /^PostgreSQL 16\.0 /);
    assert.equal(lines[4], 'analytics|main');
  });

  it('refuses settings that would change results, naming them', async () => {
    const enc = await psql('acme', "SET client_encoding = 'LATIN1'");
    assert.notEqual(enc.status, 0);
    assert.match(enc.err, /client_encoding "LATIN1" is not supported/);
    const unknown = await psql('acme', 'SET work_mem = 1');
    assert.match(unknown.err, /unrecognized configuration parameter "work_mem"/);
  });

  it('authenticates by SCRAM-SHA-256, and moves a key made before verifiers to SCRAM', async () => {
    assert.deepEqual(await authRequest('acme'), { code: 10, mechanisms: 'SCRAM-SHA-256' });
    // An unknown user gets the same exchange, so probing does not reveal customers.
    assert.equal((await authRequest('nobody')).code, 10);
    assert.notEqual((await psql('acme', 'SELECT 1', { key: 'fsk_wrong' })).status, 0);
    await fx.etl.sql.query("UPDATE customers SET scram_verifier = NULL WHERE name = 'globex'");
    assert.equal((await authRequest('globex')).code, 3);
    const r = await psql('globex', 'SELECT 1');
    assert.equal(r.out, '1', r.err);
    assert.equal((await authRequest('globex')).code, 10);
    assert.equal((await psql('globex', 'SELECT 1')).out, '1');
  });

  it('speaks TLS: psql sslmode=require', async (t) => {
    const key = path.join(tmp, 'key.pem');
    const cert = path.join(tmp, 'cert.pem');
    const gen = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ]);
    if (gen.status !== 0) {
      if (CI) throw new Error(`openssl failed: ${gen.stderr}`);
      t.skip('openssl could not make a certificate');
      return;
    }
    tlsServer = await startWireEndpoint(fx, { tlsCert: cert, tlsKey: key });
    const r = await psql('acme', 'SELECT ssl FROM (SELECT true AS ssl)', {
      port: tlsServer.port,
      conn: 'sslmode=require',
    });
    assert.equal(r.status, 0, r.err);
    const info = await run(
      'psql',
      [
        `host=127.0.0.1 port=${tlsServer.port} user=acme dbname=analytics sslmode=require`,
        '-X',
        '-c',
        '\\conninfo',
      ],
      { PGPASSWORD: fx.keys.acme },
    );
    assert.match(info.out, /SSL connection \(protocol: TLSv1\.[23]/);
    const plain = await psql('acme', 'SELECT 1', { port: server.port, conn: 'sslmode=require' });
    assert.notEqual(plain.status, 0, 'a server without a certificate must not pretend to do TLS');
  });
});

describe('node-postgres against the endpoint', () => {
  const client = (user: 'acme' | 'globex') =>
    new pg.Client({
      host: '127.0.0.1',
      port: server.port,
      user,
      password: fx.keys[user],
      database: 'analytics',
    });

  it('runs parameterised queries (extended protocol) and named prepared statements', async () => {
    const c = client('globex');
    await c.connect();
    try {
      const r = await c.query(
        'SELECT DISTINCT market FROM market_demand_daily WHERE market = $1 AND searches >= $2',
        [fx.market, 1],
      );
      assert.deepEqual(r.rows, [{ market: fx.market }]);
      const none = await c.query(
        'SELECT count(*) AS n FROM market_demand_daily WHERE market = $1',
        ["x' OR '1'='1"],
      );
      assert.equal(Number(none.rows[0].n), 0, 'a parameter is a value, never SQL');
      const named = {
        name: 'by_market',
        text: 'SELECT count(*) AS n FROM market_demand_daily WHERE market = $1',
      };
      const a = await c.query({ ...named, values: [fx.market] });
      const b = await c.query({ ...named, values: [fx.market] });
      assert.ok(Number(a.rows[0].n) > 0);
      assert.deepEqual(a.rows, b.rows);
      const typed = await c.query('SELECT $1::int + 1 AS n, $2::text AS s, $3::date AS d', [
        41,
        'x',
        '2025-05-01',
      ]);
      assert.deepEqual(typed.rows, [{ n: 42, s: 'x', d: typed.rows[0].d }]);
    } finally {
      await c.end();
    }
  });

  it('keeps the narrowing and the check under parameters, and recovers after an error', async () => {
    const c = client('acme');
    await c.connect();
    try {
      const r = await c.query(
        'SELECT DISTINCT market FROM market_demand_daily WHERE market <> $1',
        ['NOPE'],
      );
      assert.deepEqual(r.rows, [{ market: fx.market }]);
      await assert.rejects(
        c.query('SELECT * FROM fare_trends WHERE market = $1', [fx.market]),
        /fare_trends.*not granted/,
      );
      await assert.rejects(c.query('SELECT $1 FROM nowhere(', ['x']), /syntax|parse/i);
      const after = await c.query(
        'SELECT count(*) > 0 AS ok FROM market_demand_daily WHERE market = $1',
        [fx.market],
      );
      assert.deepEqual(after.rows, [{ ok: true }]);
    } finally {
      await c.end();
    }
  });
});

const JAVA_PROGRAM = `
import java.sql.*;
public class Probe {
  public static void main(String[] a) throws Exception {
    try (Connection c = DriverManager.getConnection(a[0], a[1], a[2])) {
      DatabaseMetaData md = c.getMetaData();
      try (ResultSet r = md.getTables(null, null, "%", new String[] {"TABLE", "VIEW"})) {
        while (r.next()) System.out.println("table " + r.getString("TABLE_SCHEM") + "." + r.getString("TABLE_NAME"));
      }
      try (ResultSet r = md.getColumns(null, null, "market_demand_daily", "%")) {
        while (r.next()) System.out.println("column " + r.getString("COLUMN_NAME") + " " + r.getString("TYPE_NAME") + " " + r.getInt("DATA_TYPE"));
      }
      try (PreparedStatement p = c.prepareStatement("SELECT count(*) AS n, min(market) AS m FROM market_demand_daily WHERE market = ?")) {
        for (int i = 0; i < 6; i++) { // past pgjdbc's prepareThreshold (5): server-side statements, binary results
          p.setString(1, a[3]);
          try (ResultSet r = p.executeQuery()) { r.next(); System.out.println("prepared " + (r.getLong("n") > 0) + " " + r.getString("m")); }
        }
      }
      System.out.println("version " + md.getDatabaseProductVersion());
    }
  }
}
`;

describe('JDBC (pgjdbc) against the endpoint', { skip: noJava }, () => {
  it('answers DatabaseMetaData.getTables/getColumns and a PreparedStatement, default query mode', async () => {
    const src = path.join(tmp, 'Probe.java');
    fs.writeFileSync(src, JAVA_PROGRAM);
    const url = `jdbc:postgresql://127.0.0.1:${server.port}/analytics`;
    const r = await run('java', ['-cp', JDBC_JAR, src, url, 'acme', fx.keys.acme, fx.market]);
    assert.equal(r.status, 0, `${r.err}\n${r.out}`);
    const lines = r.out.split('\n');
    assert.deepEqual(
      lines.filter((l) => l.startsWith('table ')),
      ['table main.market_demand_daily'],
    );
    const columns = lines.filter((l) => l.startsWith('column '));
    const pond = fx.ponds.find((p) => p.name === 'market_demand_daily')!;
    assert.equal(columns.length, pond.columns!.length);
    assert.ok(columns.includes('column market text 12'), columns.join('\n'));
    const prepared = lines.filter((l) => l.startsWith('prepared '));
    assert.deepEqual(prepared, new Array(6).fill(`prepared true ${fx.market}`));
    assert.ok(lines.includes('version 16.0'), r.out);
  });
});
