import { z } from 'zod';
import type { StreamBackend } from '../stream-backend.js';
import type { CheckpointStore } from './checkpoint-store.js';

const configSchema = z.strictObject({
  region: z.string().min(1).default('us-east-1').describe('AWS region of the Kinesis stream'),
  endpoint: z.string().default('').describe("Kinesis endpoint (kinesalite, LocalStack); '' = AWS"),
});

/**
 * `stream.backend: kinesis`: Kinesis Data Streams (credentials from the AWS SDK's default
 * chain). Kinesis keeps no consumer checkpoints, so the composition root passes a
 * checkpoint store (kept in SQL, as the KCL keeps its lease table).
 */
export const kinesisStreamBackend: StreamBackend<
  'kinesis',
  typeof configSchema,
  { checkpoints: CheckpointStore }
> = {
  name: 'kinesis',
  configSchema,
  async create(common, settings, deps) {
    const { KinesisStream } = await import('./kinesis-stream.js');
    return new KinesisStream({
      ...common,
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      checkpoints: deps.checkpoints,
    });
  },
};
