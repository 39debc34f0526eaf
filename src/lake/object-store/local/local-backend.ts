import { z } from 'zod';
import type { ClosableObjectStore } from '../object-store.js';
import { LocalObjectStore } from './local-object-store.js';

/**
 * `lake.objectStore.backend: local` (the default): a directory, `deps.root` (the
 * composition root passes `<dataDir>/lake`). No settings of its own.
 */
export const localObjectStoreBackend = {
  name: 'local',
  configSchema: z.strictObject({}),
  async create(
    _settings: Record<string, never>,
    deps: { root: string },
  ): Promise<ClosableObjectStore> {
    return Object.assign(new LocalObjectStore(deps.root), { close: async () => undefined });
  },
} as const;
