/**
 * Test fixture: `POST /v1/sql` (Fastify) and the wire endpoint on one session host and
 * one statement limiter, built from `sql.*` config as the composition root builds them,
 * over a SqlFixture's lake and customers; with clients for each (inject, node-postgres,
 * psql).
 */
import { execFile } from 'node:child_process';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { configSchema, type SqlEndpointConfig } from '../../config/config.js';
import { EtlPondCatalog } from '../../etl/etl-pond-catalog.js';
import { SessionHost, type SessionHostOptions } from '../session-host/session-host.js';
import { createSessionOpener } from '../session-opener.js';
import { sqlRoutes } from '../sql-routes.js';
import { StatementLimiter } from '../statement-limiter.js';
import type { SqlFixture } from './sql-fixture.js';
import { startWireEndpoint } from './wire-fixture.js';

/** What a node-postgres client got: a row count, or the error's SQLSTATE and message. */
export interface PgOutcome {
  rows?: number;
  code?: string;
  message?: string;
}

export interface SqlEndpoints {
  host: SessionHost;
  limiter: StatementLimiter;
  wirePort: number;
  /** POST /v1/sql as `customer` (its API key). */
  post(customer: 'acme' | 'globex', sql: string): Promise<LightMyRequestResponse>;
  /** A connected node-postgres client as `customer`; the caller ends it. */
  connect(customer: 'acme' | 'globex'): Promise<pg.Client>;
  /** One statement over a fresh wire connection. */
  viaPg(customer: 'acme' | 'globex', sql: string): Promise<PgOutcome>;
  /** One statement through psql (ON_ERROR_STOP, unaligned, quiet). */
  psql(
    customer: 'acme' | 'globex',
    sql: string,
  ): Promise<{ status: number; out: string; err: string }>;
  close(): Promise<void>;
}

export async function startSqlEndpoints(
  fx: SqlFixture,
  sql: Partial<SqlEndpointConfig>,
  opts: { host?: SessionHostOptions; now?: () => number } = {},
): Promise<SqlEndpoints> {
  const config = configSchema.parse({ dataDir: fx.etl.dataDir, sql });
  const host = new SessionHost({ processes: config.sql.processes, ...opts.host });
  const limiter = new StatementLimiter({
    maxConcurrent: config.sql.maxConcurrentPerCustomer,
    maxQueued: config.sql.maxQueuedPerCustomer,
    queueWaitMs: config.sql.queueWaitMs,
  });
  const openSession = createSessionOpener({
    config,
    customers: fx.customers,
    ponds: new EtlPondCatalog(fx.etl.store),
    host,
    limiter,
  });
  const app = Fastify();
  sqlRoutes(app, {
    customers: fx.customers,
    openSession,
    requestsPerSecondPerCustomer: config.sql.requestsPerSecondPerCustomer,
    ...(opts.now ? { now: opts.now } : {}),
  });
  await app.ready();
  const wire = await startWireEndpoint(fx, {
    openSession,
    maxConnections: config.sql.maxConnections,
  });
  const connect = async (customer: 'acme' | 'globex') => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: wire.port,
      user: customer,
      password: fx.keys[customer],
      database: 'faresight',
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  return {
    host,
    limiter,
    wirePort: wire.port,
    post: (customer, text) =>
      app.inject({
        method: 'POST',
        url: '/v1/sql',
        headers: { authorization: `Bearer ${fx.keys[customer]}` },
        payload: { sql: text },
      }),
    connect,
    async viaPg(customer, text) {
      let client: pg.Client | undefined;
      try {
        client = await connect(customer);
        const r = await client.query(text);
        return { rows: r.rowCount ?? r.rows.length };
      } catch (err) {
        const e = err as { code?: string; message?: string };
        return { code: e.code, message: e.message };
      } finally {
        await client?.end().catch(() => undefined);
      }
    },
    psql: (customer, text) =>
      new Promise((resolve) => {
        execFile(
          'psql',
          [
            '-X',
            '-q',
            '-A',
            '-h',
            '127.0.0.1',
            '-p',
            String(wire.port),
            '-U',
            customer,
            '-d',
            'faresight',
          ],
          {
            env: { ...process.env, PGPASSWORD: fx.keys[customer], PGCONNECT_TIMEOUT: '10' },
            encoding: 'utf8',
            timeout: 120_000,
          },
          (err, stdout, stderr) =>
            resolve({
              status: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0,
              out: stdout.trim(),
              err: stderr.trim(),
            }),
        ).stdin?.end(`\\set ON_ERROR_STOP 1\n${text};\n`);
      }),
    async close() {
      await wire.stop();
      await app.close();
      await host.stop();
    },
  };
}
