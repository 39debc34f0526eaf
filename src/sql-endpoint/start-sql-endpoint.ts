import type { SqlEndpointConfig } from '../config/config.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import type { SqlClient } from '../sql/sql-client.js';
import { CustomerStore } from '../tenancy/customer-store.js';
import { openDuckDBCatalogSession } from './duckdb/duckdb-catalog-session.js';
import { startPgWireServer } from './pg-wire-server.js';
import type { PondCatalog } from './pond-catalog.js';
import { SessionHost } from './session-host/session-host.js';
import { createSessionOpener, type SessionOpener } from './session-opener.js';
import { StatementLimiter } from './statement-limiter.js';

/**
 * Starts the Postgres wire endpoint on config.sql.host:port (default 0.0.0.0:5439; 0 =
 * any free port) over the row store `sql` (customers and grants; their tables are
 * created when missing) and the pond catalog `ponds`, with the session host that runs customer SQL in child
 * processes (config sql.processes) and the per-customer statement limits. `openSession`
 * opens sessions on that same host and limits, for `POST /v1/sql`. Stop it with `stop()`
 * (connections first, then the host).
 */
export async function startSqlEndpoint(deps: {
  /** The lake under `dataDir` and the `sql` section. */
  config: { readonly dataDir: string; readonly sql: SqlEndpointConfig };
  sql: SqlClient;
  logger: Logger;
  /** The ponds customers may query (the ETL store's catalog, wired by cli/). */
  ponds: PondCatalog;
  /** Overrides config.sql.port (tests). */
  port?: number;
}): Promise<Service & { port: number; openSession: SessionOpener }> {
  const customers = new CustomerStore(deps.sql);
  await customers.migrate();
  const sqlc = deps.config.sql;
  const host = new SessionHost({ processes: sqlc.processes });
  const limiter = new StatementLimiter({
    maxConcurrent: sqlc.maxConcurrentPerCustomer,
    maxQueued: sqlc.maxQueuedPerCustomer,
    queueWaitMs: sqlc.queueWaitMs,
  });
  const openSession = createSessionOpener({
    config: deps.config,
    customers,
    ponds: deps.ponds,
    host,
    limiter,
  });
  let wire: Service & { port: number };
  try {
    wire = await startPgWireServer({
      host: sqlc.host,
      port: deps.port ?? sqlc.port,
      credentials: async (user) => {
        const verifier = await customers.scramVerifier(user);
        return verifier === null ? 'password' : verifier;
      },
      verify: (user, password) => customers.verify(user, password),
      rememberKey: (user, password) => customers.setScramVerifier(user, password),
      openCatalog: openDuckDBCatalogSession,
      openSession,
      logger: deps.logger,
      tlsCert: sqlc.tlsCert,
      tlsKey: sqlc.tlsKey,
      maxConnections: sqlc.maxConnections,
    });
  } catch (err) {
    await host.stop();
    throw err;
  }
  return {
    name: 'sql',
    port: wire.port,
    openSession,
    async stop() {
      await wire.stop();
      await host.stop();
    },
  };
}
