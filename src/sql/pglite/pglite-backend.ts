import { z } from 'zod';
import type { SqlClient } from '../sql-client.js';
import { DEFAULT_SHARED_BUFFERS_MB } from './pglite-settings.js';

const configSchema = z.strictObject({
  /**
   * PostgreSQL's `shared_buffers` inside PGlite, MB. They live in the WebAssembly
   * memory, which never shrinks, so every buffer once used stays in the process's RSS;
   * the data files are in the operating system's page cache beside them anyway.
   */
  sharedBuffersMb: z.number().int().min(1).max(4096).default(DEFAULT_SHARED_BUFFERS_MB),
});

/**
 * `rowStore.backend: pglite` (the default): PostgreSQL in WASM in `deps.dir` (the
 * composition root passes `<dataDir>/rowstore`); one process at a time. PGlite is
 * loaded only when `create` is called.
 */
export const pgliteBackend = {
  name: 'pglite',
  configSchema,
  async create(
    settings: Partial<z.infer<typeof configSchema>>,
    deps: { dir: string },
  ): Promise<SqlClient> {
    const { PGliteClient } = await import('./pglite-client.js');
    return PGliteClient.open({
      dir: deps.dir,
      ...(settings.sharedBuffersMb !== undefined
        ? { sharedBuffersMb: settings.sharedBuffersMb }
        : {}),
    });
  },
} as const;
