/**
 * Test harness: a process that starts an ETL backfill through EtlOperations on the row
 * store given as JSON in argv[2] (`{ backend: 'pglite', dir, dataDir }` or
 * `{ backend: 'postgres', url, schema, dataDir }`), prints the operation as one JSON
 * line and then waits, its run held (it never ends), until it is killed.
 */
import { configSchema } from '../../../config/config.js';
import type { JobRunner } from '../../../etl/job-runner.js';
import { silentLogger } from '../../../ops/logger.js';
import { PGliteClient } from '../../../sql/pglite/pglite-client.js';
import { PostgresClient } from '../../../sql/postgres/postgres-client.js';
import type { SqlClient } from '../../../sql/sql-client.js';
import { openEtlContext } from '../etl-context.js';
import { EtlOperations } from '../etl-operations.js';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  backend: 'pglite' | 'postgres';
  dir?: string;
  url?: string;
  schema?: string;
  dataDir: string;
};
const sql: SqlClient =
  args.backend === 'pglite'
    ? await PGliteClient.open({ dir: args.dir! })
    : new PostgresClient({ connectionString: args.url!, schema: args.schema!, max: 2 });
const ctx = await openEtlContext({
  config: configSchema.parse({ dataDir: args.dataDir }),
  sql,
  logger: silentLogger,
});
const runner = Object.create(ctx.runner) as JobRunner;
runner.run = () => new Promise(() => {});
const ops = new EtlOperations({ ...ctx, runner }, silentLogger);
const op = await ops.start('market_demand_daily', { from: '2025-06-02', to: '2025-06-04' });
process.stdout.write(`${JSON.stringify(op)}\n`);
setInterval(() => {}, 1 << 30);
