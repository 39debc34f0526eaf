import { z } from 'zod';
import type { SqlClient } from '../sql-client.js';

const configSchema = z.strictObject({
  url: z
    .string()
    .min(1)
    .default('postgres://127.0.0.1:5432/faresight')
    .describe(
      'PostgreSQL connection string (create the database first: createdb faresight); without a user in it, PGUSER, USER or the OS user, as psql',
    ),
});

/** `rowStore.backend: postgres`: a pool on `rowStore.url`; `pg` is loaded only here. */
export const postgresBackend = {
  name: 'postgres',
  configSchema,
  async create(settings: z.infer<typeof configSchema>): Promise<SqlClient> {
    const { PostgresClient } = await import('./postgres-client.js');
    return new PostgresClient({ connectionString: settings.url });
  },
} as const;
