/** Test fixture: the Postgres wire endpoint over an SqlFixture, as `faresight sql` wires it. */
import { silentLogger } from '../../ops/logger.js';
import type { Service } from '../../ops/service.js';
import { openDuckDBCatalogSession } from '../duckdb/duckdb-catalog-session.js';
import { openDuckDBCustomerSession } from '../duckdb/duckdb-customer-session.js';
import { type PgWireOptions, startPgWireServer } from '../pg-wire-server.js';
import type { SqlFixture } from './sql-fixture.js';

/** Starts the endpoint on 127.0.0.1, any free port; `overrides` replace options (TLS, auth). */
export function startWireEndpoint(
  fx: SqlFixture,
  overrides: Partial<PgWireOptions> = {},
): Promise<Service & { port: number }> {
  return startPgWireServer({
    host: '127.0.0.1',
    port: 0,
    credentials: async (user) => {
      const verifier = await fx.customers.scramVerifier(user);
      return verifier === null ? 'password' : verifier;
    },
    verify: (u, p) => fx.customers.verify(u, p),
    rememberKey: (u, p) => fx.customers.setScramVerifier(u, p),
    openSession: async (customer) =>
      openDuckDBCustomerSession({
        lakeRoot: fx.etl.lakeRoot,
        customer,
        grants: await fx.customers.grants(customer),
        ponds: fx.ponds,
        statementTimeoutMs: 5000,
        maxRows: 1000,
      }),
    openCatalog: openDuckDBCatalogSession,
    logger: silentLogger,
    ...overrides,
  });
}
