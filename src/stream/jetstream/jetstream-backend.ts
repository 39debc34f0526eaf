import { z } from 'zod';
import type { StreamBackend } from '../stream-backend.js';

const configSchema = z.strictObject({
  servers: z.string().min(1).default('127.0.0.1:4222').describe('NATS servers, comma separated'),
});

/** `stream.backend: jetstream`: NATS JetStream at `stream.servers`; nats.js is loaded only here. */
export const jetstreamStreamBackend: StreamBackend<'jetstream', typeof configSchema, object> = {
  name: 'jetstream',
  configSchema,
  async create(common, settings) {
    const { JetStreamStream } = await import('./jetstream-stream.js');
    return new JetStreamStream({ servers: settings.servers, ...common });
  },
};
