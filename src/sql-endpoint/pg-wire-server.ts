/**
 * The Postgres wire protocol endpoint for BI tools (psql, Metabase, Superset, any
 * Postgres driver). pg-gateway does the protocol start-up and authentication; this file
 * answers simple-protocol queries from a CustomerSession. User = customer name, password
 * = the customer's API key (cleartext password exchange: offer TLS with sql.tlsCert/tlsKey).
 * The extended protocol (Parse/Bind/Execute) is answered with a clear error: drivers
 * must use simple query mode (JDBC `preferQueryMode=simple`).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { type BackendError, PostgresConnection } from 'pg-gateway';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import type { CustomerSession } from './customer-session.js';
import { TooManyConnectionsError } from './errors.js';
import { commandComplete, dataRow, emptyQueryResponse, rowDescription } from './pg-messages.js';

/** Dependencies of the endpoint. */
export interface PgWireOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** True when `password` is `user`'s API key. */
  verify(user: string, password: string): Promise<boolean>;
  /** Opens the session of an authenticated customer. */
  openSession(customer: string): Promise<CustomerSession>;
  logger: Logger;
  tlsCert?: string;
  tlsKey?: string;
  /** Open connections at most; one more is refused at start-up with 53300 (default: no cap). */
  maxConnections?: number;
}

const Q = 0x51;
const SYNC = 0x53;
const TERMINATE = 0x58;
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48, 0x46]); // P B D E C H F

function toBackendError(err: unknown): BackendError {
  const e = err as Error & { sqlState?: string };
  return { severity: 'ERROR', code: e.sqlState ?? 'XX000', message: e.message };
}

/** Starts listening; resolves once bound, with the port in use. */
export async function startPgWireServer(opts: PgWireOptions): Promise<Service & { port: number }> {
  const sockets = new Set<net.Socket>();
  const tls =
    opts.tlsCert && opts.tlsKey
      ? { cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) }
      : undefined;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let session: Promise<CustomerSession> | undefined;
    let failedExtended = false;
    let busy: Promise<void> = Promise.resolve();
    const connection: PostgresConnection = new PostgresConnection(socket, {
      serverVersion: '16.0 (faresight)',
      authMode: 'cleartextPassword',
      ...(tls ? { tls } : {}),
      onStartup: () => {
        if (opts.maxConnections === undefined || sockets.size <= opts.maxConnections) return false;
        connection.sendError({
          ...toBackendError(new TooManyConnectionsError(opts.maxConnections)),
          severity: 'FATAL',
        });
        socket.end();
        return true;
      },
      validateCredentials: async (creds) =>
        creds.authMode === 'cleartextPassword' && (await opts.verify(creds.user, creds.password)),
      onAuthenticated: async (state) => {
        const user = state.clientInfo?.parameters.user ?? '';
        session = opts.openSession(user);
        session.catch(() => undefined);
        opts.logger.debug('sql session', { customer: user });
      },
      onMessage: async (data, state) => {
        if (!state.isAuthenticated) return false;
        const code = data[0]!;
        if (code === TERMINATE) return false;
        if (EXTENDED.has(code)) {
          if (!failedExtended) {
            failedExtended = true;
            connection.sendError({
              severity: 'ERROR',
              code: '0A000',
              message:
                'the extended query protocol is not supported; use simple query mode (e.g. JDBC preferQueryMode=simple)',
            });
          }
          return true;
        }
        if (code === SYNC) {
          failedExtended = false;
          connection.sendReadyForQuery('idle');
          return true;
        }
        if (code !== Q) return false;
        const sql = Buffer.from(data.buffer, data.byteOffset + 5, data.length - 6).toString('utf8');
        busy = busy.then(() => answer(sql));
        await busy;
        return true;
      },
    });
    const answer = async (sql: string) => {
      try {
        if (!session) throw new Error('not authenticated');
        const s = await session;
        if (/^[\s;]*$/.test(sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ''))) {
          connection.sendData(emptyQueryResponse());
        } else {
          const r = await s.query(sql);
          const out: Buffer[] = [rowDescription(r.columns)];
          for (const row of r.rows) out.push(dataRow(r.columns, row));
          out.push(commandComplete(`SELECT ${r.rows.length}`));
          connection.sendData(Buffer.concat(out));
        }
      } catch (err) {
        connection.sendError(toBackendError(err));
      }
      connection.sendReadyForQuery('idle');
    };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      session?.then((s) => s.close()).catch(() => undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  opts.logger.info('SQL endpoint listening', { host: opts.host, port });
  return {
    name: 'sql',
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.end();
      setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 2000).unref();
      await closed;
    },
  };
}
