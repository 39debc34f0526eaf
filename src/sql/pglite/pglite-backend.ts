import { z } from 'zod';
import type { SqlClient } from '../sql-client.js';

/**
 * `rowStore.backend: pglite` (the default): PostgreSQL in WASM in `deps.dir` (the
 * composition root passes `<dataDir>/rowstore`); one process at a time. No settings of
 * its own. PGlite is loaded only when `create` is called.
 */
export const pgliteBackend = {
  name: 'pglite',
  configSchema: z.strictObject({}),
  async create(_settings: Record<string, never>, deps: { dir: string }): Promise<SqlClient> {
    const { PGliteClient } = await import('./pglite-client.js');
    return PGliteClient.open({ dir: deps.dir });
  },
} as const;
