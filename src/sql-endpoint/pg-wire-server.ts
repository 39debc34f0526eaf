/**
 * The Postgres wire protocol endpoint for BI tools (psql, JDBC tools, Metabase, any
 * Postgres driver). pg-gateway reads the messages and does TLS; this file does the
 * authentication and hands queries to a PgQueryHandler (simple and extended protocol).
 * User = customer name, password = the customer's API key, checked by SCRAM-SHA-256
 * against the verifier stored with the key; a customer whose key predates verifiers is
 * asked for the key in clear text once (use TLS), after which a verifier is stored.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { type BackendError, PostgresConnection } from 'pg-gateway';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import { parseScramVerifier } from '../tenancy/scram-verifier.js';
import type { CatalogFactory } from './catalog-session.js';
import type { CustomerSession } from './customer-session.js';
import { TooManyConnectionsError } from './errors.js';
import { MAX_MESSAGE_BYTES, readMessages } from './pg-framing.js';
import { PgQueryHandler } from './pg-query-handler.js';
import { decoyVerifier, ScramError, ScramExchange } from './scram-exchange.js';
import { SERVER_VERSION, SessionSettings } from './session-commands.js';

/** Dependencies of the endpoint. */
export interface PgWireOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /**
   * How `user` signs in: its SCRAM-SHA-256 verifier; 'password' when the customer exists
   * but has no verifier yet; undefined for no such customer.
   */
  credentials(user: string): Promise<string | 'password' | undefined>;
  /** True when `password` is `user`'s API key (the clear-text fallback). */
  verify(user: string, password: string): Promise<boolean>;
  /** Stores a verifier after a clear-text sign-in succeeded; later sign-ins use SCRAM. */
  rememberKey?(user: string, password: string): Promise<void>;
  /** Opens the session of an authenticated customer. */
  openSession(customer: string): Promise<CustomerSession>;
  /** Opens the catalog a connection's catalog queries read (one per connection, on first use). */
  openCatalog: CatalogFactory;
  logger: Logger;
  tlsCert?: string;
  tlsKey?: string;
  /** Open connections at most; one more is refused at start-up with 53300 (default: no cap). */
  maxConnections?: number;
}

const PASSWORD = 0x70;
const TERMINATE = 0x58;

function toBackendError(err: unknown): BackendError {
  const e = err as Error & { sqlState?: string };
  return { severity: 'ERROR', code: e.sqlState ?? 'XX000', message: e.message };
}

/** An Authentication message (`R`) with its code and payload. */
function authMessage(code: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(9 + payload.length);
  b.write('R', 0, 'ascii');
  b.writeInt32BE(8 + payload.length, 1);
  b.writeInt32BE(code, 5);
  payload.copy(b, 9);
  return b;
}

function backendKeyData(): Buffer {
  const b = Buffer.alloc(13);
  b.write('K', 0, 'ascii');
  b.writeInt32BE(12, 1);
  randomBytes(8).copy(b, 5);
  return b;
}

/** Body of a PasswordMessage/SASL message (after type and length). */
const body = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset + 5, data.length - 5);

/** Starts listening; resolves once bound, with the port in use. */
export async function startPgWireServer(opts: PgWireOptions): Promise<Service & { port: number }> {
  const sockets = new Set<net.Socket>();
  const decoySecret = randomBytes(32);
  const tls =
    opts.tlsCert && opts.tlsKey
      ? { cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) }
      : undefined;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    // A response is several small writes (RowDescription, DataRow, CommandComplete,
    // ReadyForQuery): with Nagle's algorithm the later ones wait for the client's delayed
    // ACK, about 40 ms a statement (17 statements/s over loopback, 139 without).
    socket.setNoDelay(true);
    let handler: PgQueryHandler | undefined;
    let session: Promise<CustomerSession> | undefined;
    let auth:
      | { mode: 'scram'; exchange: ScramExchange; known: boolean; step: number }
      | { mode: 'password' }
      | undefined;
    const user = () => connection.clientInfo?.parameters.user ?? '';

    const refuse = (message = `password authentication failed for user "${user()}"`) => {
      connection.sendError({ severity: 'FATAL', code: '28P01', message });
      connection.socket.end();
    };

    const authenticated = () => {
      const params = connection.clientInfo?.parameters ?? { user: '' };
      const settings = new SessionSettings(params);
      const database = params.database || params.user;
      session = opts.openSession(params.user);
      session.catch(() => undefined);
      handler = new PgQueryHandler(session, opts.openCatalog, settings, database, {
        send: (b) => connection.sendData(b),
        sendError: (err) => connection.sendError(toBackendError(err)),
        sendReady: (s) => connection.sendReadyForQuery(s),
      });
      const status: [string, string][] = [
        ['server_version', SERVER_VERSION],
        ['server_encoding', 'UTF8'],
        ['client_encoding', 'UTF8'],
        ['DateStyle', settings.get('datestyle') ?? 'ISO, MDY'],
        ['TimeZone', 'UTC'],
        ['IntervalStyle', 'postgres'],
        ['integer_datetimes', 'on'],
        ['standard_conforming_strings', 'on'],
        ['is_superuser', 'off'],
        ['session_authorization', params.user],
        ['application_name', settings.get('application_name') ?? ''],
        ['default_transaction_read_only', 'on'],
        ['in_hot_standby', 'off'],
      ];
      connection.sendData(authMessage(0));
      for (const [k, v] of status) connection.sendParameterStatus(k, v);
      connection.sendData(backendKeyData());
      connection.sendReadyForQuery('idle');
      const h = handler;
      const sock = connection.detach();
      readMessages(
        sock,
        async (message) => {
          if (message[0] === TERMINATE) sock.end();
          else await h.handle(message);
        },
        (bytes) => {
          connection.sendError({
            severity: 'FATAL',
            code: '54000',
            message: `a message of ${bytes} bytes is over the limit of ${MAX_MESSAGE_BYTES}`,
          });
          sock.end();
        },
      );
      opts.logger.debug('sql session', { customer: params.user, database });
    };

    const password = async (data: Uint8Array) => {
      if (!auth) return refuse();
      if (auth.mode === 'password') {
        const key = body(data).toString('utf8').replace(/\0$/, '');
        if (!(await opts.verify(user(), key))) return refuse();
        await opts.rememberKey?.(user(), key).catch((err) =>
          opts.logger.warn('could not store the SCRAM verifier', {
            customer: user(),
            error: String(err),
          }),
        );
        return authenticated();
      }
      const b = body(data);
      if (auth.step === 0) {
        const end = b.indexOf(0);
        const mechanism = b.toString('utf8', 0, end);
        const len = b.readInt32BE(end + 1);
        const first = b.toString('utf8', end + 5, end + 5 + len);
        const serverFirst = auth.exchange.first(mechanism, first);
        auth.step = 1;
        connection.sendData(authMessage(11, Buffer.from(serverFirst, 'utf8')));
        return;
      }
      const serverFinal = auth.exchange.final(b.toString('utf8'));
      if (!serverFinal || !auth.known) return refuse();
      connection.sendData(authMessage(12, Buffer.from(serverFinal, 'utf8')));
      authenticated();
    };

    const connection: PostgresConnection = new PostgresConnection(socket, {
      serverVersion: SERVER_VERSION,
      authMode: 'none',
      ...(tls ? { tls } : {}),
      onStartup: async () => {
        if (opts.maxConnections !== undefined && sockets.size > opts.maxConnections) {
          connection.sendError({
            ...toBackendError(new TooManyConnectionsError(opts.maxConnections)),
            severity: 'FATAL',
          });
          socket.end();
          return true;
        }
        const how = await opts.credentials(user()).catch(() => undefined);
        if (how === 'password') {
          auth = { mode: 'password' };
          connection.sendAuthenticationCleartextPassword();
          return true;
        }
        const verifier = how ? parseScramVerifier(how) : undefined;
        auth = {
          mode: 'scram',
          exchange: new ScramExchange(verifier ?? decoyVerifier(user(), decoySecret)),
          known: verifier !== undefined,
          step: 0,
        };
        const mechanisms = Buffer.from('SCRAM-SHA-256\0\0', 'utf8');
        connection.sendData(authMessage(10, mechanisms));
        return true;
      },
      onMessage: async (data, state) => {
        if (!state.hasStarted) return false;
        const code = data[0];
        if (code === TERMINATE) return false;
        // Only authentication messages arrive here: readMessages takes over once it is done.
        if (code !== PASSWORD) {
          refuse('authentication is not complete');
          return true;
        }
        try {
          await password(Buffer.from(data));
        } catch (err) {
          refuse(err instanceof ScramError ? err.message : 'authentication failed');
        }
        return true;
      },
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      void handler?.close().catch(() => undefined);
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
