import * as path from 'node:path';
import type { SqlEndpointConfig } from '../config/config.js';
import { lakeRoot } from '../lake/lake-layout.js';
import { CustomerSlices, type SlicedPond } from '../tenancy/customer-slices.js';
import type { CustomerStore } from '../tenancy/customer-store.js';
import { DuckDBSliceWriter } from '../tenancy/duckdb/duckdb-slice-writer.js';
import type { CustomerSession } from './customer-session.js';
import { openDuckDBCustomerSession } from './duckdb/duckdb-customer-session.js';
import type { PondCatalog } from './pond-catalog.js';
import type { SessionHost } from './session-host/session-host.js';
import { limitedSessions, type StatementLimiter } from './statement-limiter.js';

/** Opens the session of a customer, with its current grants; the wire endpoint, `/v1/sql` and customer jobs share it. */
export type SessionOpener = (customer: string) => Promise<CustomerSession>;

/** The CustomerSlices of the configured lake and of `ponds` (DuckDB writer). */
export function createCustomerSlices(
  config: { readonly dataDir: string },
  ponds: readonly SlicedPond[],
): CustomerSlices {
  return new CustomerSlices({
    lakeRoot: path.resolve(lakeRoot(config.dataDir)),
    writer: new DuckDBSliceWriter(),
    ponds: [...ponds],
  });
}

/**
 * A SessionOpener over the configured lake: the ponds are those of `ponds`, the pond
 * catalog (their narrowing columns, and the recorded columns for ponds with no files
 * yet). Grants are read at each open, and the customer's slices are brought in
 * line with them and with the ponds before the session opens (a slice is rebuilt only
 * when its pond or its grant changed), so a grant or revoke applies to the next session
 * even when nothing refreshed the slices yet. Throws when a slice cannot be written.
 * With `host`, sessions run in its child processes (else in this process); with
 * `limiter`, each statement takes one of the customer's slots first.
 */
export function createSessionOpener(deps: {
  /** The lake under `dataDir` and the `sql` limits. */
  config: { readonly dataDir: string; readonly sql: SqlEndpointConfig };
  customers: CustomerStore;
  ponds: PondCatalog;
  /** Limits; default config.sql.statementTimeoutMs / maxRows. */
  statementTimeoutMs?: number;
  maxRows?: number;
  /** Default: createCustomerSlices(config, ponds.configured()). */
  slices?: CustomerSlices;
  host?: SessionHost;
  limiter?: StatementLimiter;
}): SessionOpener {
  const root = path.resolve(lakeRoot(deps.config.dataDir));
  const slices = deps.slices ?? createCustomerSlices(deps.config, deps.ponds.configured());
  const open: SessionOpener = async (customer) => {
    const grants = await deps.customers.grants(customer);
    await slices.sync(customer, grants);
    const ponds = await deps.ponds.ponds();
    const spec = {
      lakeRoot: root,
      customer,
      grants,
      ponds,
      statementTimeoutMs: deps.statementTimeoutMs ?? deps.config.sql.statementTimeoutMs,
      maxRows: deps.maxRows ?? deps.config.sql.maxRows,
      maxResultBytes: deps.config.sql.maxResultBytes,
      memoryLimit: deps.config.sql.memoryLimit,
    };
    return deps.host ? deps.host.open(spec) : openDuckDBCustomerSession(spec);
  };
  return deps.limiter ? limitedSessions(open, deps.limiter) : open;
}
