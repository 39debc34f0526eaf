import { PostgresClient } from '../sql/postgres/postgres-client.js';
import { createTestSchema, type TestSchema } from '../sql/testing/postgres-schema.js';
import { runGraphSuite } from './testing/graph-suite.js';

let schema: TestSchema | undefined;
let skip = '';

runGraphSuite({
  name: 'PostgreSQL',
  async open() {
    const s = await createTestSchema();
    if ('skip' in s) {
      if (process.env.CI === 'true') throw new Error(`CI=true and ${s.skip}`);
      skip = s.skip;
      console.log(`# skipping the route graph on PostgreSQL: ${skip}`);
      return undefined;
    }
    schema = s;
    return new PostgresClient({ connectionString: s.url, schema: s.schema, max: 4 });
  },
  skipReason: () => skip,
  cleanup: async () => {
    await schema?.drop();
  },
});
