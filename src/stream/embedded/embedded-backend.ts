import { z } from 'zod';
import type { StreamBackend } from '../stream-backend.js';
import type { WriterThreadEvent } from './writer-thread.js';

const configSchema = z.strictObject({});

/**
 * `stream.backend: embedded` (the default): a durable log per shard under `deps.dir`
 * (the composition root passes `<dataDir>/stream`). No settings of its own.
 */
export const embeddedStreamBackend: StreamBackend<
  'embedded',
  typeof configSchema,
  { dir: string; onWriterEvent?: (e: WriterThreadEvent) => void }
> = {
  name: 'embedded',
  configSchema,
  async create(common, _settings, deps) {
    const { EmbeddedStream } = await import('./embedded-stream.js');
    return new EmbeddedStream({
      dir: deps.dir,
      ...common,
      ...(deps.onWriterEvent ? { onWriterEvent: deps.onWriterEvent } : {}),
    });
  },
};
