import { PostgresClient } from '../../sql/postgres/postgres-client.js';
import { createTestSchemaFor, type TestSchema } from '../../sql/testing/postgres-schema.js';
import { runEtlOperationsSuite } from './testing/etl-operations-suite.js';

let schema: TestSchema | undefined;
let skip = '';
runEtlOperationsSuite({
  name: 'PostgreSQL',
  async setup() {
    const s = await createTestSchemaFor('ETL operations on PostgreSQL');
    if ('skip' in s) {
      skip = s.skip;
      return undefined;
    }
    schema = s;
    return {
      open: async () => new PostgresClient({ connectionString: s.url, schema: s.schema, max: 4 }),
      child: { backend: 'postgres', url: s.url, schema: s.schema },
    };
  },
  skipReason: () => skip,
  async cleanup() {
    await schema?.drop();
  },
});
