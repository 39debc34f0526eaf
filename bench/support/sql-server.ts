/**
 * The server side of `npm run bench -- sql`: ingest (embedded stream), the API (with
 * `/v1/sql`) and the wire SQL endpoint in one process, as `faresight up` runs them, over
 * a small lake with built ponds and four customers. Argument `host` runs customer SQL in
 * the session host (the product); `inprocess` runs it in this process, as before the
 * session host, for comparison. Prints one line `READY {json}` with the addresses and keys.
 */

import { startApi } from '../../src/api/start-api.js';
import { openRowStore } from '../../src/cli/compose/row-store.js';
import { openIngestStreams } from '../../src/cli/compose/stream.js';
import { configSchema } from '../../src/config/config.js';
import { EtlPondCatalog } from '../../src/etl/etl-pond-catalog.js';
import { startIngest } from '../../src/ingest/ingest-server.js';
import { createLogger } from '../../src/ops/logger.js';
import { createSessionOpener } from '../../src/sql-endpoint/session-opener.js';
import { startSqlEndpoint } from '../../src/sql-endpoint/start-sql-endpoint.js';
import { openSqlFixture } from '../../src/sql-endpoint/testing/sql-fixture.js';
import { startWireEndpoint } from '../../src/sql-endpoint/testing/wire-fixture.js';
import { createAdapters } from '../../src/vendors/adapters.js';

const mode = process.argv[2] === 'inprocess' ? 'inprocess' : 'host';
const fx = await openSqlFixture();
const keys: Record<string, string> = {};
for (const c of ['c1', 'c2', 'c3', 'c4', 'small']) {
  keys[c] = await fx.customers.add(c);
  await fx.customers.grant(c, { pond: 'market_demand_daily' });
}
const config = configSchema.parse({
  dataDir: fx.etl.dataDir,
  logLevel: 'warn',
  ingest: { host: '127.0.0.1', port: 0, requestsPerSecondPerVendor: 1e9 },
  api: { host: '127.0.0.1', port: 0 },
  sql: { host: '127.0.0.1', port: 0, statementTimeoutMs: 20_000, maxConcurrentPerCustomer: 1 },
});
const logger = createLogger('warn', 'bench');
const streams = await openIngestStreams(config, logger);
const ingest = await startIngest({ config, ...streams, adapters: createAdapters(), logger });
const rowStore = await openRowStore(config, logger);
let sqlPort: number;
let openSession: ReturnType<typeof createSessionOpener>;
if (mode === 'host') {
  const ep = await startSqlEndpoint({
    config,
    sql: fx.etl.sql,
    logger,
    ponds: new EtlPondCatalog(fx.etl.store, config.etl.schedules),
  });
  sqlPort = ep.port;
  openSession = ep.openSession;
} else {
  openSession = createSessionOpener({
    config,
    customers: fx.customers,
    ponds: new EtlPondCatalog(fx.etl.store, config.etl.schedules),
  });
  const ep = await startWireEndpoint(fx, { openSession, logger });
  sqlPort = ep.port;
}
const api = await startApi({
  config,
  rowStore,
  logger,
  sql: { customers: fx.customers, openSession, requestsPerSecondPerCustomer: 1e6 },
});
process.stdout.write(
  `READY ${JSON.stringify({ ingest: ingest.url, api: api.url, sqlPort, keys, lakeRoot: fx.etl.lakeRoot })}\n`,
);
process.on('SIGTERM', () => process.exit(0));
