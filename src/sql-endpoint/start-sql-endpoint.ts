import type { Config } from '../config/config.js';
import { EtlStore } from '../etl/etl-store.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import type { SqlClient } from '../serving/sql-client.js';
import { CustomerStore } from '../tenancy/customer-store.js';
import { openDuckDBCatalogSession } from './duckdb/duckdb-catalog-session.js';
import { startPgWireServer } from './pg-wire-server.js';
import { createSessionOpener } from './session-opener.js';

/**
 * Starts the Postgres wire endpoint on config.sql.host:port (default 0.0.0.0:5439; 0 =
 * any free port) over the row store `sql` (customers, grants, pond catalog; their tables
 * are created when missing). Stop it with `stop()`.
 */
export async function startSqlEndpoint(deps: {
  config: Config;
  sql: SqlClient;
  logger: Logger;
  /** Overrides config.sql.port (tests). */
  port?: number;
}): Promise<Service & { port: number }> {
  const customers = new CustomerStore(deps.sql);
  const etlStore = new EtlStore(deps.sql);
  await etlStore.migrate();
  await customers.migrate();
  const openSession = createSessionOpener({ config: deps.config, customers, etlStore });
  return startPgWireServer({
    host: deps.config.sql.host,
    port: deps.port ?? deps.config.sql.port,
    credentials: async (user) => {
      const verifier = await customers.scramVerifier(user);
      return verifier === null ? 'password' : verifier;
    },
    verify: (user, password) => customers.verify(user, password),
    rememberKey: (user, password) => customers.setScramVerifier(user, password),
    openCatalog: openDuckDBCatalogSession,
    openSession,
    logger: deps.logger,
    tlsCert: deps.config.sql.tlsCert,
    tlsKey: deps.config.sql.tlsKey,
  });
}
